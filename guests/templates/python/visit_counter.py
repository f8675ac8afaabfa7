# A visit counter: every request adds one to the number kept under
# "visits" in your default key-value store, which outlives the request
# (a global would not: instances come and go). fnlab.kv reaches your
# stores: get(key), set(key, value), delete(key), list(prefix),
# increment(key, by), and fnlab.kv.store("name") for another store.
# Browse them under Key-value stores in the menu.
#
# Try it: open your function's URL a few times; /reset starts again.
from datetime import datetime, timezone

import fnlab


def main(request):
    if request.path == "/reset":
        fnlab.kv.delete("visits")
        return "The counter is back to 0.\n"
    visits = fnlab.kv.increment("visits")
    fnlab.kv.set("last-visit", datetime.now(timezone.utc).isoformat())
    return f"visits: {visits}\n"
