# The classic AWS Lambda shape: lambda_handler(event, context) returns a dict
# with statusCode, headers and body, as in the API Gateway examples.
#
#   event["httpMethod"]             "GET", "POST", …
#   event["path"]                   "/", "/items", … (relative to your function's URL)
#   event["queryStringParameters"]  {"name": "Ann"}, or None without a query string
#   event["headers"]                request headers, names in lowercase
#   event["body"]                   the body as text, or None
#   context.aws_request_id / context.function_name
#
# Fnlab's wrapper turns each request into this event and the dict you return
# into the response: leave "headers" out and a str body is text/plain; a body
# that is not a string is sent as JSON. An exception answers 500 and its
# traceback appears in the invocation's log.
#
# Try it: open your function's URL with ?name=Ann at the end.
import json


def lambda_handler(event, context):
    params = event["queryStringParameters"] or {}
    name = params.get("name", "world")

    # Printed lines show up in your function's logs, as with CloudWatch.
    print(f"{event['httpMethod']} {event['path']} (request {context.aws_request_id})")

    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({
            "message": f"Hello, {name}!",
            "method": event["httpMethod"],
            "path": event["path"],
        }),
    }
