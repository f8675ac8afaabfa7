// A webhook relay: every POST to this function is forwarded to the URL in
// the secret WEBHOOK_URL (set it under Environment on this page, as a
// secret: the URL often carries a token). Outbound calls use the standard
// fetch; each one shows up in the invocation's log with its status.
//
// Try it: set WEBHOOK_URL, then
//   curl -X POST -H 'content-type: application/json' -d '{"text":"hi"}' <your URL>

export default {
  async fetch(request, env) {
    if (!env.WEBHOOK_URL) {
      return new Response('Set the secret WEBHOOK_URL under Environment first.\n', { status: 500 });
    }
    if (request.method !== 'POST') {
      return new Response('POST a payload to relay it.\n', { status: 405 });
    }
    const payload = await request.text();
    const upstream = await fetch(env.WEBHOOK_URL, {
      method: 'POST',
      headers: { 'content-type': request.headers.get('content-type') ?? 'application/json' },
      body: payload,
    });
    console.log(`relayed ${payload.length} bytes: ${upstream.status}`);
    return new Response(`relayed: ${upstream.status}\n`, { status: upstream.ok ? 200 : 502 });
  },
};
