// The Cloudflare Workers shape: the default export's fetch(request, env, ctx)
// gets a standard Request and returns a Response (or a promise of one).
//
//   request.method, request.url, request.headers.get("x")
//   await request.text() / await request.json()
//   new URL(request.url).searchParams.get("name")
//
// The function is one module without imports; fetch, Request, Response,
// URL, TextEncoder and console are there. console.log lines show up in your
// function's logs. An exception answers 500 with its stack in the log.
//
// Try it: open your function's URL with ?name=Ann at the end.

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const name = url.searchParams.get('name') ?? 'world';
    return new Response(`Hello, ${name}!\n`, {
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  },
};
