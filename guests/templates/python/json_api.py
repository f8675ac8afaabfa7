# A small JSON API with routes, in the Cloud Functions shape: main(request)
# dispatches on method and path, and a 404 covers everything else.
#
#   GET  /              lists the routes
#   GET  /time          the current time (UTC)
#   POST /sum           {"numbers": [1, 2, 3]} → {"sum": 6}
#
# Fnlab's wrapper turns each request into a Flask-like `request` (method,
# path, args, headers, get_json()) and your return value into the response:
# a dict or list is sent as JSON; (body, status) sets the status.
# Globals are no place for data: a warm instance keeps them until its next
# request, a fresh one starts without them (a key-value store keeps data).
from datetime import datetime, timezone


def index(request):
    return {"routes": ["GET /", "GET /time", "POST /sum"]}


def now(request):
    return {"utc": datetime.now(timezone.utc).isoformat()}


def total(request):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("numbers"), list):
        return {"error": 'send {"numbers": [1, 2, 3]}'}, 400
    numbers = body["numbers"]
    if not all(isinstance(n, (int, float)) for n in numbers):
        return {"error": "numbers must be numbers"}, 400
    return {"sum": sum(numbers)}


ROUTES = {
    ("GET", "/"): index,
    ("GET", "/time"): now,
    ("POST", "/sum"): total,
}


def main(request):
    route = ROUTES.get((request.method, request.path))
    if route is None:
        return {"error": f"no route for {request.method} {request.path}"}, 404
    return route(request)
