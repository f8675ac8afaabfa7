// A queue consumer. Send it events with "Queue event" under Events on its
// page (or POST /api/v1/functions/NAME/events): each delivery calls
// `queue(batch, env, ctx)`, as Cloudflare Workers' queue consumers are
// called, with batch.messages[0].body what you sent (parsed when it is
// JSON). This one adds up the "amount" of every order it gets in your
// default key-value store. An order without a whole amount throws: watch
// it being retried and dead-lettered, then fix it and press Replay. Open
// the function's URL to read the total.

export default {
  async queue(batch, env, ctx) {
    for (const message of batch.messages) {
      const amount = message.body?.amount;
      if (!Number.isInteger(amount)) throw new Error(`order ${message.id} has no whole amount`);
      const total = kv.increment('orders-total', amount);
      console.log(`order ${message.id}: +${amount}, total ${total}`);
    }
  },

  async fetch(request) {
    return new Response(`total: ${kv.get('orders-total') ?? '0'}\n`, {
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  },
};
