// Fnlab's JavaScript runtime: ONE wasi:http/proxy component for every
// JavaScript function, built once per node by componentize-js
// (StarlingMonkey, a SpiderMonkey embedding with fetch, Request, Response,
// URL, TextEncoder, crypto.getRandomValues, console).
//
// The function's source reaches each instance in the FNLAB_SOURCE
// environment variable (wasi:cli/environment): it is evaluated as
// `handler.js` and its exports called, so deploying a function compiles no
// WebAssembly. The function's own variables and secrets arrive the same
// way; it sees them (without FNLAB_SOURCE) as `process.env` and as the
// `env` argument of `fetch`. The global `kv` reaches its owner's
// key-value stores, and `sendEvent(functionName, payload)` queues an
// event for another of its owner's functions. Every request runs in a fresh instance, so nothing leaks
// from one request to the next.
//
// The source is one ES module without imports. Its entry point is either
// - `export default { fetch(request, env, ctx) }`: the Workers shape,
//   returning a Response (or a promise of one); or
// - `export const handler = async (event, context) => ...` (or
//   `export function handler`): the AWS Lambda shape. `event` is an API
//   Gateway proxy event (httpMethod, path, queryStringParameters, headers,
//   body, isBase64Encoded), `context` has awsRequestId and functionName.
//   Return {statusCode, headers, body} (a body that is not a string is sent
//   as JSON), or any other value, sent as JSON with status 200. On a direct
//   invoke (the request says `fnlab-trigger: invoke`) `event` is exactly
//   the JSON payload, and the return value, whatever it is, is sent back
//   as JSON; on a run of a cron schedule (`fnlab-trigger: schedule`) it is
//   an EventBridge scheduled event (`source: "aws.events"`, `detail-type:
//   "Scheduled Event"`, `time`), and the return value is sent back as JSON;
//   on a delivery from its event queue (`fnlab-trigger: event`) it is an
//   SQS event with one record (`Records[0].body` the payload as sent,
//   `Records[0].attributes.ApproximateReceiveCount` the attempt); on an
//   upload to a store that triggers it (`fnlab-trigger: file`) it is the
//   S3 event as sent (`Records[0].s3.bucket.name` the store,
//   `Records[0].s3.object.key` and `.size` the file); an exception makes
//   the delivery fail, to be retried.
//
// A Workers-style module may also export `scheduled(controller, env,
// ctx)`, which runs of its cron schedules call (controller.cron,
// controller.scheduledTime in ms); without it they reach `fetch` as a
// `POST /` with the JSON {schedule, cron, timezone, scheduled_time}.
// Likewise `queue(batch, env, ctx)` receives its queued events
// (batch.messages[0].body, .id, .attempts); without it they reach `fetch`
// as a `POST /` with the payload as the body.
//
// An uncaught exception answers 500 and its stack goes to stderr, which is
// the invocation's log.

import { getEnvironment } from 'wasi:cli/environment@0.2.10';
import { open } from 'wasi:keyvalue/store@0.2.0-draft';
import { increment } from 'wasi:keyvalue/atomics@0.2.0-draft';

// The owner's key-value stores: `kv.get(key)` (text, or null),
// `kv.getBytes`, `kv.getJSON`, `kv.set(key, value)` (text, bytes, or any
// other value as JSON), `kv.delete`, `kv.list(prefix)`, `kv.increment(key,
// by = 1)`, on the `default` store, or `kv.store(name)` for another.
class Store {
  constructor(name) {
    this.name = name;
    this.bucket = null;
  }

  open() {
    this.bucket ??= call(() => open(this.name));
    return this.bucket;
  }

  getBytes(key) {
    return call(() => this.open().get(key)) ?? null;
  }

  get(key) {
    const bytes = this.getBytes(key);
    return bytes === null ? null : new TextDecoder().decode(bytes);
  }

  getJSON(key) {
    const text = this.get(key);
    return text === null ? null : JSON.parse(text);
  }

  set(key, value) {
    let bytes = value;
    if (typeof value === 'string') bytes = new TextEncoder().encode(value);
    else if (!(value instanceof Uint8Array)) bytes = new TextEncoder().encode(JSON.stringify(value));
    call(() => this.open().set(key, bytes));
  }

  delete(key) {
    call(() => this.open().delete(key));
  }

  list(prefix = '') {
    const keys = [];
    let cursor;
    do {
      const page = call(() => this.open().listKeys(cursor));
      keys.push(...page.keys.filter((key) => key.startsWith(prefix)));
      cursor = page.cursor;
    } while (cursor !== undefined && cursor !== null);
    return keys;
  }

  increment(key, by = 1) {
    return Number(call(() => increment(this.open(), key, BigInt(by))));
  }
}

// Runs a keyvalue call; its error becomes an Error with the host's reason.
function call(operation) {
  try {
    return operation();
  } catch (error) {
    const payload = error?.payload ?? error;
    const reason = payload?.tag === 'other' ? payload.val : payload?.tag ?? String(error);
    throw new Error(`key-value store: ${reason}`);
  }
}

// Queues `payload` (text, bytes, or any other value as JSON) as an event
// for another of the owner's functions, `functionName`; resolves to its
// event id. The call goes to Fnlab itself, with no key to keep.
async function sendEvent(functionName, payload) {
  const body = typeof payload === 'string' || payload instanceof Uint8Array ? payload : JSON.stringify(payload);
  const response = await fetch(`http://fnlab.internal/events/${encodeURIComponent(functionName)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const answer = await response.json();
  if (response.status !== 202) throw new Error(`sendEvent ${functionName}: ${answer.error?.message}`);
  return answer.event_id;
}
globalThis.sendEvent = sendEvent;

const kv = new Store('default');
kv.store = (name) => new Store(name);
globalThis.kv = kv;

addEventListener('fetch', (event) => event.respondWith(serve(event.request)));

async function serve(request) {
  try {
    const variables = new Map(getEnvironment());
    const source = variables.get('FNLAB_SOURCE') ?? '';
    variables.delete('FNLAB_SOURCE');
    const env = Object.freeze(Object.fromEntries(variables));
    globalThis.process = { env: { ...env } };
    const exports = preloaded !== null && (source === '' || source === PRELOADED_SOURCE)
      ? preloaded
      : load(source);
    const trigger = request.headers.get('fnlab-trigger');
    const ctx = { waitUntil() {}, passThroughOnException() {} };
    if (trigger === 'schedule' && typeof exports.default?.scheduled === 'function') {
      const run = await request.json();
      const controller = { cron: run.cron, scheduledTime: Date.parse(run.scheduled_time), type: 'scheduled', noRetry() {} };
      await exports.default.scheduled(controller, env, ctx);
      return new Response(null, { status: 204 });
    }
    if ((trigger === 'event' || trigger === 'file') && typeof exports.default?.queue === 'function') {
      await exports.default.queue(queueBatch(await request.text(), request), env, ctx);
      return new Response(null, { status: 204 });
    }
    if (exports.default && typeof exports.default.fetch === 'function') {
      return await exports.default.fetch(request, env, ctx);
    }
    if (typeof exports.handler === 'function') {
      const context = {
        awsRequestId: request.headers.get('fnlab-request-id') ?? '',
        functionName: request.headers.get('fnlab-function') ?? '',
      };
      if (['invoke', 'schedule', 'event', 'file'].includes(trigger)) {
        const text = await request.text();
        const event = trigger === 'event' ? sqsEvent(text, request, context)
          : trigger === 'schedule' ? scheduledEvent(JSON.parse(text || '{}'), context)
            : JSON.parse(text || '{}');
        const result = await exports.handler(event, context);
        return new Response(JSON.stringify(result ?? null), { headers: { 'content-type': 'application/json' } });
      }
      return fromLambda(await exports.handler(await lambdaEvent(request), context));
    }
    throw new Error('handler.js exports no entry point: write `export default { fetch(request) {…} }` '
      + 'or `export const handler = async (event, context) => …`');
  } catch (error) {
    console.error(error instanceof Error ? `${error}\n${error.stack}` : String(error));
    return new Response('Internal Server Error\n', { status: 500 });
  }
}

// `export` keywords become assignments to the module's exports, on the
// same lines, so that error positions stay the user's.
const EXPORT = /^([ \t]*)export[ \t]+(?:(default)[ \t]+|((?:async[ \t]+)?function\*?|const|let|var|class)[ \t]+([A-Za-z_$][\w$]*))/gm;

function load(source) {
  const names = [];
  const body = source.replace(EXPORT, (_, indent, isDefault, keyword, name) => {
    if (isDefault) return `${indent}__exports.default = `;
    names.push(name);
    return `${indent}${keyword} ${name}`;
  });
  const tail = names.map((name) => `__exports.${name} = ${name};`).join(' ');
  const exports = {};
  (0, eval)(`(function (__exports) {${body}\n;${tail}\n})\n//# sourceURL=handler.js`)(exports);
  return exports;
}

async function lambdaEvent(request) {
  const url = new URL(request.url);
  const query = {};
  const multiQuery = {};
  for (const [key, value] of url.searchParams) {
    query[key] = value;
    (multiQuery[key] ??= []).push(value);
  }
  const headers = {};
  for (const [key, value] of request.headers) headers[key] = value;
  const bytes = new Uint8Array(await request.arrayBuffer());
  let body = null;
  let isBase64Encoded = false;
  if (bytes.length > 0) {
    try {
      body = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      body = btoa(String.fromCharCode(...bytes));
      isBase64Encoded = true;
    }
  }
  const hasQuery = Object.keys(query).length > 0;
  return {
    httpMethod: request.method,
    path: url.pathname,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    headers,
    body,
    isBase64Encoded,
  };
}

// The EventBridge event of a run of a cron schedule, as Lambda receives
// from a scheduled rule.
function scheduledEvent(run, context) {
  return {
    version: '0',
    id: context.awsRequestId,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '',
    time: run.scheduled_time,
    region: 'fnlab',
    resources: [`fnlab:schedule/${context.functionName}/${run.schedule}`],
    detail: {},
  };
}

// A delivery from the event queue as the SQS event Lambda receives, with
// one record.
function sqsEvent(body, request, context) {
  const id = request.headers.get('fnlab-event-id') ?? '';
  const sent = request.headers.get('fnlab-event-time') ?? '';
  return {
    Records: [{
      messageId: id,
      receiptHandle: id,
      body,
      attributes: {
        ApproximateReceiveCount: request.headers.get('fnlab-attempt') ?? '1',
        SentTimestamp: sent,
        SenderId: 'fnlab',
        ApproximateFirstReceiveTimestamp: sent,
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `fnlab:queue/${context.functionName}`,
      awsRegion: 'fnlab',
    }],
  };
}

// A delivery from the event queue as the batch a Workers queue consumer
// receives.
function queueBatch(text, request) {
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the text itself.
  }
  const message = {
    id: request.headers.get('fnlab-event-id') ?? '',
    timestamp: new Date(Number(request.headers.get('fnlab-event-time') ?? 0)),
    body,
    attempts: Number(request.headers.get('fnlab-attempt') ?? 1),
    ack() {},
    retry() {},
  };
  return { queue: request.headers.get('fnlab-function') ?? '', messages: [message], ackAll() {}, retryAll() {} };
}

function fromLambda(result) {
  if (result instanceof Response) return result;
  const lambda = result !== null && typeof result === 'object' && 'statusCode' in result;
  const status = lambda ? Number(result.statusCode) : 200;
  const headers = new Headers(lambda ? result.headers ?? {} : {});
  let body = lambda ? result.body : result;
  if (lambda && result.isBase64Encoded && typeof body === 'string') {
    body = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  } else if (body !== undefined && body !== null && typeof body !== 'string') {
    body = JSON.stringify(body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  if (typeof body === 'string' && !headers.has('content-type')) {
    headers.set('content-type', 'text/plain; charset=utf-8');
  }
  return new Response(body ?? null, { status, headers });
}

// A runtime built for one function has its source here instead of null:
// evaluated once, last (everything above is defined by then), when the
// component is built (componentize-js snapshots the engine after this
// module ran), rather than in every instance. The shared runtime leaves
// it null.
const PRELOADED_SOURCE = null;
const preloaded = PRELOADED_SOURCE === null ? null : load(PRELOADED_SOURCE);

// The engine sets up parts of itself the first time it evaluates a module,
// reads a request and answers with a Response. Done here, while
// componentize-js snapshots the runtime, every instance starts with them
// ready rather than building them (and faulting in their pages) on its
// request: the hello world went from 731 to 958 requests a second.
if (PRELOADED_SOURCE === null) {
  const warmUp = load("export default { fetch(request) { return new Response(new URL(request.url).pathname, { headers: { 'x-a': request.headers.get('x-a') } }); } };");
  warmUp.default.fetch(new Request('http://localhost/?a=b', { headers: { 'x-a': 'b' } }));
}
