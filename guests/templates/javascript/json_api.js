// A small JSON API with routes, in the Workers shape: fetch(request)
// dispatches on method and path, and a 404 covers everything else.
//
//   GET  /              lists the routes
//   GET  /time          the current time (UTC)
//   POST /sum           {"numbers": [1, 2, 3]} → {"sum": 6}
//
// Globals are no place for data: each request runs in a fresh instance
// (a key-value store keeps data).

const json = (value, status = 200) =>
  new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json' },
  });

const routes = {
  'GET /': () => json({ routes: Object.keys(routes) }),
  'GET /time': () => json({ utc: new Date().toISOString() }),
  'POST /sum': async (request) => {
    const body = await request.json().catch(() => null);
    const numbers = body?.numbers;
    if (!Array.isArray(numbers) || !numbers.every((n) => typeof n === 'number')) {
      return json({ error: 'send {"numbers": [1, 2, 3]}' }, 400);
    }
    return json({ sum: numbers.reduce((a, b) => a + b, 0) });
  },
};

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    const route = routes[`${request.method} ${pathname}`];
    if (!route) return json({ error: `no route for ${request.method} ${pathname}` }, 404);
    return route(request);
  },
};
