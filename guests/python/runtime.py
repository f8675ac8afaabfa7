"""Fnlab's Python runtime: ONE wasi:http/proxy component for every Python
function, built once per node by componentize-py.

The function's source reaches each instance in the FNLAB_SOURCE environment
variable (wasi:cli/environment): it is compiled as `handler.py` and its entry
point called, so deploying a function compiles no WebAssembly. The
function's own variables and secrets arrive the same way; it sees them
(without FNLAB_SOURCE) in ``os.environ``. ``import fnlab`` gives
``fnlab.fetch(url, method, headers, body)`` for outbound HTTP,
``fnlab.kv`` for the owner's key-value stores and
``fnlab.send_event(function, payload)`` to queue an event for another of
the owner's functions. Every request
runs in a fresh instance, so nothing leaks from one request to the next.

The entry point is the first of these the source defines:

- ``lambda_handler(event, context)`` or ``handler(event, context)``: the AWS
  Lambda shape. ``event`` is an API Gateway proxy event (httpMethod, path,
  queryStringParameters, headers, body, isBase64Encoded); ``context`` has
  aws_request_id and function_name. Return {"statusCode", "headers", "body"}
  (a body that is not a string is sent as JSON), or any other value, which
  is sent as JSON with status 200. On a direct invoke (the request says
  ``fnlab-trigger: invoke``) ``event`` is exactly the JSON payload, and the
  return value, whatever it is, is sent back as JSON; on a run of a cron
  schedule (``fnlab-trigger: schedule``) it is an EventBridge scheduled
  event (``source: "aws.events"``, ``detail-type: "Scheduled Event"``,
  ``time``), and the return value is sent back as JSON; on a delivery from
  its event queue (``fnlab-trigger: event``) it is an SQS event with one
  record (``event["Records"][0]["body"]`` the payload as sent); on an
  upload to a store that triggers it (``fnlab-trigger: file``) it is the
  S3 event as sent (``Records[0]["s3"]["bucket"]["name"]`` the store,
  ``["object"]["key"]`` and ``["size"]`` the file); an exception makes the
  delivery fail, to be retried.
- ``hello_world(request)`` or ``main(request)``: the Cloud Functions shape.
  ``request`` looks like Flask's (method, path, args, headers, data,
  get_data(), get_json()). Return a string, a dict or list (sent as JSON),
  or a tuple (body, status) or (body, status, headers). Runs of cron
  schedules reach it as a ``POST /`` with the JSON {schedule, cron,
  timezone, scheduled_time}.

An uncaught exception answers 500 and its traceback goes to stderr, which
is the invocation's log.
"""

import base64
import json
import os
import sys
import types
import traceback
from urllib.parse import parse_qsl, urlsplit

# A function can import only what is loaded while the runtime is built (an
# instance has no files to import from): these standard modules, snapshot
# into the runtime, so importing them costs nothing at run time.
import bisect, calendar, collections, copy, csv, dataclasses, datetime, decimal  # noqa: E401,F401
import difflib, enum, fractions, functools, hashlib, heapq, hmac, html, io  # noqa: E401,F401
import itertools, math, operator, pprint, random, re, secrets, statistics  # noqa: E401,F401
import string, struct, textwrap, time, typing, unicodedata, uuid  # noqa: E401,F401
import urllib.parse  # noqa: E401,F401

from componentize_py_types import Err, Ok
from wit_world import exports
from wit_world.imports import atomics, environment, outgoing_handler
from wit_world.imports import store as kv_store
from wit_world.imports.streams import StreamError_Closed
from wit_world.imports.types import (
    Fields,
    IncomingBody,
    IncomingRequest,
    Method_Delete,
    Method_Get,
    Method_Head,
    Method_Options,
    Method_Other,
    Method_Patch,
    Method_Post,
    Method_Put,
    OutgoingBody,
    OutgoingRequest,
    OutgoingResponse,
    ResponseOutparam,
    Scheme_Http,
    Scheme_Https,
)

LAMBDA_NAMES = ("lambda_handler", "handler")
REQUEST_NAMES = ("hello_world", "main")


class Context:
    """The Lambda context: what AWS's has that makes sense here."""

    def __init__(self, headers):
        self.aws_request_id = headers.get("fnlab-request-id", "")
        self.function_name = headers.get("fnlab-function", "")


class Request:
    """A Flask-like request for the Cloud Functions shape."""

    def __init__(self, method, path, query, headers, body):
        self.method = method
        self.path = path
        self.args = dict(parse_qsl(query, keep_blank_values=True))
        self.headers = headers
        self.data = body

    def get_data(self, as_text=False):
        return self.data.decode("utf-8", "replace") if as_text else self.data

    def get_json(self, silent=False):
        try:
            return json.loads(self.data or b"null")
        except ValueError:
            if silent:
                return None
            raise


class Response:
    """What ``fnlab.fetch`` returns: ``status``, ``headers`` (lower-case
    names) and ``body`` (bytes), with ``text()`` and ``json()``."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


METHODS = {
    "GET": Method_Get,
    "POST": Method_Post,
    "PUT": Method_Put,
    "DELETE": Method_Delete,
    "PATCH": Method_Patch,
    "HEAD": Method_Head,
    "OPTIONS": Method_Options,
}


def fetch(url, method="GET", headers=None, body=None):
    """Sends an HTTP request from the function (``import fnlab``;
    ``fnlab.fetch("https://api.example.org/x")``) and returns a Response.
    A body that is not bytes or text is sent as JSON. Raises OSError when
    the request cannot be sent; the invocation's log says why (a refused
    address names the rule)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"fetch needs an http:// or https:// URL, not {url!r}")
    data, default_type = as_bytes(body) if body is not None else (b"", None)
    fields = [(k.lower(), str(v).encode()) for k, v in (headers or {}).items()]
    if default_type and not any(k == "content-type" for k, _ in fields):
        fields.append(("content-type", default_type.encode()))
    if data and not any(k == "content-length" for k, _ in fields):
        # Sent with its length rather than chunked, which some receivers
        # of webhooks refuse.
        fields.append(("content-length", str(len(data)).encode()))
    request = OutgoingRequest(Fields.from_list(fields))
    verb = method.upper()
    request.set_method(METHODS[verb]() if verb in METHODS else Method_Other(verb))
    request.set_scheme(Scheme_Https() if parts.scheme == "https" else Scheme_Http())
    request.set_authority(parts.netloc)
    request.set_path_with_query((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
    out = request.body()
    try:
        future = outgoing_handler.handle(request, None)
    except Err as e:
        raise OSError(f"fetch {url}: {type(e.value).__name__}") from None
    if data:
        stream = out.write()
        for start in range(0, len(data), 4096):
            stream.blocking_write_and_flush(data[start : start + 4096])
        stream.__exit__(None, None, None)
    OutgoingBody.finish(out, None)
    future.subscribe().block()
    got = future.get()
    if got is None or isinstance(got, Err) or isinstance(got.value, Err):
        reason = got.value.value if got is not None and isinstance(got.value, Err) else got
        raise OSError(f"fetch {url}: {type(reason).__name__}")
    response = got.value.value
    headers = {}
    for name, value in response.headers().entries():
        headers[name.lower()] = value.decode("utf-8", "replace")
    return Response(response.status(), headers, read_body(response))


class Store:
    """One of the owner's key-value stores (``fnlab.kv`` is ``default``;
    ``fnlab.kv.store(name)`` another): ``get`` (text or None),
    ``get_bytes``, ``get_json``, ``set`` (text, bytes, or any other value
    as JSON), ``delete``, ``list(prefix)``, ``increment(key, by=1)``."""

    def __init__(self, name):
        self.name = name
        self._bucket = None

    def store(self, name):
        return Store(name)

    def _open(self):
        if self._bucket is None:
            self._bucket = _kv_call(lambda: kv_store.open(self.name))
        return self._bucket

    def get_bytes(self, key):
        return _kv_call(lambda: self._open().get(key))

    def get(self, key):
        value = self.get_bytes(key)
        return None if value is None else value.decode("utf-8", "replace")

    def get_json(self, key):
        text = self.get(key)
        return None if text is None else json.loads(text)

    def set(self, key, value):
        if isinstance(value, str):
            value = value.encode()
        elif not isinstance(value, bytes):
            value = json.dumps(value).encode()
        _kv_call(lambda: self._open().set(key, value))

    def delete(self, key):
        _kv_call(lambda: self._open().delete(key))

    def list(self, prefix=""):
        keys, cursor = [], None
        while True:
            page = _kv_call(lambda: self._open().list_keys(cursor))
            keys.extend(k for k in page.keys if k.startswith(prefix))
            cursor = page.cursor
            if cursor is None:
                return keys

    def increment(self, key, by=1):
        return _kv_call(lambda: atomics.increment(self._open(), key, by))


def _kv_call(operation):
    """Runs a key-value call; its error becomes a RuntimeError with the
    host's reason."""
    try:
        return operation()
    except Err as e:
        reason = getattr(e.value, "value", type(e.value).__name__)
        raise RuntimeError(f"key-value store: {reason}") from None


def send_event(function, payload):
    """Sends ``payload`` (text, bytes, or any other value as JSON) as an
    event to another of your functions, ``function``, and returns its
    event id: ``fnlab.send_event("consumer", {"order": 42})``. It is
    delivered like any event (retried, dead-lettered). Raises OSError when
    it cannot be sent."""
    response = fetch(f"http://fnlab.internal/events/{function}", method="POST", body=payload)
    answer = response.json()
    if response.status != 202:
        raise OSError(f"send_event {function}: {answer['error']['message']}")
    return answer["event_id"]


def as_module():
    """The ``fnlab`` module a function imports: ``fetch``, ``Response``,
    ``kv`` and ``send_event``."""
    module = types.ModuleType(
        "fnlab", "Fnlab's helpers for functions: fetch(url, ...), kv, send_event(function, payload)."
    )
    module.fetch = fetch
    module.Response = Response
    module.kv = Store("default")
    module.send_event = send_event
    return module


sys.modules["fnlab"] = as_module()


def method_name(method):
    if isinstance(method, Method_Other):
        return method.value
    return type(method).__name__.split("_", 1)[1].upper()


def read_body(request):
    body = request.consume()
    stream = body.stream()
    chunks = []
    while True:
        try:
            chunks.append(stream.blocking_read(65536))
        except Err as e:
            if isinstance(e.value, StreamError_Closed):
                break
            raise
    stream.__exit__(None, None, None)
    IncomingBody.finish(body)
    return b"".join(chunks)


def lambda_event(method, path, query, headers, body):
    pairs = parse_qsl(query, keep_blank_values=True)
    multi = {}
    for key, value in pairs:
        multi.setdefault(key, []).append(value)
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    return {
        "httpMethod": method,
        "path": path,
        "queryStringParameters": dict(pairs) if pairs else None,
        "multiValueQueryStringParameters": multi or None,
        "headers": headers,
        "body": text if body else None,
        "isBase64Encoded": encoded,
    }


def scheduled_event(run, context):
    """The EventBridge event of a run of a cron schedule, as Lambda
    receives from a scheduled rule."""
    return {
        "version": "0",
        "id": context.aws_request_id,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "",
        "time": run.get("scheduled_time"),
        "region": "fnlab",
        "resources": [f"fnlab:schedule/{context.function_name}/{run.get('schedule')}"],
        "detail": {},
    }


def sqs_event(body, headers, context):
    """A delivery from the event queue as the SQS event Lambda receives,
    with one record."""
    event_id = headers.get("fnlab-event-id", "")
    sent = headers.get("fnlab-event-time", "")
    return {
        "Records": [
            {
                "messageId": event_id,
                "receiptHandle": event_id,
                "body": body.decode("utf-8", "replace"),
                "attributes": {
                    "ApproximateReceiveCount": headers.get("fnlab-attempt", "1"),
                    "SentTimestamp": sent,
                    "SenderId": "fnlab",
                    "ApproximateFirstReceiveTimestamp": sent,
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"fnlab:queue/{context.function_name}",
                "awsRegion": "fnlab",
            }
        ]
    }


def as_bytes(body):
    if body is None:
        return b"", None
    if isinstance(body, bytes):
        return body, "application/octet-stream"
    if isinstance(body, str):
        return body.encode(), "text/plain; charset=utf-8"
    return json.dumps(body).encode(), "application/json"


def from_lambda(result):
    """(status, headers, body) from a Lambda handler's return value."""
    if isinstance(result, dict) and "statusCode" in result:
        headers = dict(result.get("headers") or {})
        body = result.get("body")
        if result.get("isBase64Encoded") and isinstance(body, str):
            body = base64.b64decode(body)
        return int(result["statusCode"]), headers, body
    return 200, {}, result


def from_request_style(result):
    """(status, headers, body) from a Cloud Functions handler's return value."""
    if isinstance(result, tuple):
        body = result[0]
        status = int(result[1]) if len(result) > 1 else 200
        headers = dict(result[2]) if len(result) > 2 else {}
        return status, headers, body
    return 200, {}, result


def load(source):
    """The function's module scope, after running its source."""
    scope = {"__name__": "handler", "__file__": "handler.py"}
    exec(compile(source, "handler.py", "exec"), scope)
    return scope


# A runtime built for one function has its source here instead of None:
# run once, when the component is built (componentize-py snapshots the
# interpreter after this module ran), rather than in every instance. The
# shared runtime leaves it None.
PRELOADED_SOURCE = None
PRELOADED = None if PRELOADED_SOURCE is None else load(PRELOADED_SOURCE)


# The function this instance ran last, (source, scope): a warm instance
# serves its function's next request without running the source again, so
# the module's globals live as long as the instance (as in Lambda).
LOADED = (None, None)


def loaded_once(source):
    """The module scope of `source`, run once per instance."""
    global LOADED
    if LOADED[0] != source:
        LOADED = (source, load(source))
    return LOADED[1]


def run(method, path, query, headers, body):
    variables = dict(environment.get_environment())
    source = variables.pop("FNLAB_SOURCE", "")
    # os.environ was filled when the runtime was built: replace it with
    # the function's own variables and secrets.
    os.environ.clear()
    os.environ.update(variables)
    if PRELOADED is not None and source in ("", PRELOADED_SOURCE):
        scope = PRELOADED
    else:
        scope = loaded_once(source)
    trigger = headers.get("fnlab-trigger")
    for name in LAMBDA_NAMES:
        if callable(scope.get(name)):
            if trigger in ("invoke", "schedule", "event", "file"):
                context = Context(headers)
                if trigger == "event":
                    event = sqs_event(body, headers, context)
                elif trigger == "schedule":
                    event = scheduled_event(json.loads(body or b"{}"), context)
                else:
                    event = json.loads(body or b"{}")
                result = scope[name](event, context)
                return 200, {"content-type": "application/json"}, json.dumps(result).encode()
            event = lambda_event(method, path, query, headers, body)
            return from_lambda(scope[name](event, Context(headers)))
    for name in REQUEST_NAMES:
        if callable(scope.get(name)):
            request = Request(method, path, query, headers, body)
            return from_request_style(scope[name](request))
    raise LookupError(
        "handler.py defines no entry point: write lambda_handler(event, context) "
        "or hello_world(request)"
    )


def respond(response_out, status, headers, body):
    data, default_type = as_bytes(body)
    fields = [(k.lower(), str(v).encode()) for k, v in headers.items()]
    if default_type and not any(k == "content-type" for k, _ in fields):
        fields.append(("content-type", default_type.encode()))
    response = OutgoingResponse(Fields.from_list(fields))
    response.set_status_code(status)
    out = response.body()
    ResponseOutparam.set(response_out, Ok(response))
    stream = out.write()
    for start in range(0, len(data), 4096):
        stream.blocking_write_and_flush(data[start : start + 4096])
    stream.__exit__(None, None, None)
    OutgoingBody.finish(out, None)


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request: IncomingRequest, response_out: ResponseOutparam) -> None:
        try:
            url = urlsplit(request.path_with_query() or "/")
            headers = {}
            for name, value in request.headers().entries():
                headers[name.lower()] = value.decode("utf-8", "replace")
            body = read_body(request)
            status, out_headers, out_body = run(
                method_name(request.method()), url.path or "/", url.query, headers, body
            )
        except Exception:
            traceback.print_exc(file=sys.stderr)
            status, out_headers, out_body = 500, {}, "Internal Server Error\n"
        respond(response_out, status, out_headers, out_body)
