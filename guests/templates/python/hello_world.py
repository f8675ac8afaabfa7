# The Google Cloud Functions shape: hello_world(request) gets a Flask-like
# request and returns the response.
#
#   request.method      "GET", "POST", …
#   request.path        "/", "/items", … (relative to your function's URL)
#   request.args        the query string as a dict: {"name": "Ann"}
#   request.headers     request headers, names in lowercase
#   request.get_json()  the JSON body (get_json(silent=True) gives None when malformed)
#   request.get_data(as_text=True)  the raw body
#
# Fnlab's wrapper turns each request into this object and your return value
# into the response: a str is text/plain, a dict or list is JSON, and a tuple
# (body, status) or (body, status, headers) sets the status and headers.
#
# Try it: open your function's URL with ?name=Ann at the end.


def hello_world(request):
    name = request.args.get("name", "World")
    return f"Hello {name}!\n"
