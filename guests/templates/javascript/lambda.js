// The classic AWS Lambda shape (Node.js): handler(event, context) returns
// an object with statusCode, headers and body, as in the API Gateway examples.
//
//   event.httpMethod             "GET", "POST", …
//   event.path                   "/", "/items", … (relative to your function's URL)
//   event.queryStringParameters  { name: "Ann" }, or null without a query string
//   event.headers                request headers, names in lowercase
//   event.body                   the body as text, or null
//   context.awsRequestId / context.functionName
//
// Fnlab's wrapper turns each request into this event and the object you
// return into the response: a body that is not a string is sent as JSON.
// An exception answers 500 and its stack appears in the invocation's log.
//
// Try it: open your function's URL with ?name=Ann at the end.

export const handler = async (event, context) => {
  const name = event.queryStringParameters?.name ?? 'world';

  // Logged lines show up in your function's logs, as with CloudWatch.
  console.log(`${event.httpMethod} ${event.path} (request ${context.awsRequestId})`);

  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message: `Hello, ${name}!`,
      method: event.httpMethod,
      path: event.path,
    }),
  };
};
