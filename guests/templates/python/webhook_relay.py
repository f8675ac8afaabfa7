# A webhook relay: every POST to this function is forwarded to the URL in
# the secret WEBHOOK_URL (set it under Environment on this page, as a
# secret: the URL often carries a token). fnlab.fetch sends the outbound
# request; each one shows up in the invocation's log with its status.
#
# Try it: set WEBHOOK_URL, then
#   curl -X POST -H 'content-type: application/json' -d '{"text":"hi"}' <your URL>
import os

import fnlab


def main(request):
    url = os.environ.get("WEBHOOK_URL")
    if not url:
        return "Set the secret WEBHOOK_URL under Environment first.\n", 500
    if request.method != "POST":
        return "POST a payload to relay it.\n", 405
    content_type = request.headers.get("content-type", "application/json")
    upstream = fnlab.fetch(url, method="POST", headers={"content-type": content_type}, body=request.data)
    print(f"relayed {len(request.data)} bytes: {upstream.status}")
    return f"relayed: {upstream.status}\n", 200 if upstream.status < 400 else 502
