// A visit counter: every request adds one to the number kept under
// "visits" in your default key-value store, which outlives the request
// (a global would not: instances come and go). The global `kv` reaches
// your stores: kv.get(key), kv.set(key, value), kv.delete(key),
// kv.list(prefix), kv.increment(key, by), and kv.store("name") for
// another store. Browse them under Key-value stores in the menu.
//
// Try it: open your function's URL a few times; /reset starts again.

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/reset') {
      kv.delete('visits');
      return new Response('The counter is back to 0.\n');
    }
    const visits = kv.increment('visits');
    kv.set('last-visit', new Date().toISOString());
    return new Response(`visits: ${visits}\n`, {
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  },
};
