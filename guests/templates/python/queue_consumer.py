# A queue consumer. Send it events with "Queue event" under Events on its
# page (or POST /api/v1/functions/NAME/events): each arrives as the SQS
# event Lambda receives, with one record whose body is what you sent.
# This one adds up the "amount" of every order it gets in your default
# key-value store. An order without an amount raises an exception: watch
# it being retried and dead-lettered, then fix it and press Replay. Open
# the function's URL to read the total.
import json

import fnlab


def lambda_handler(event, context):
    if "Records" not in event:
        total = fnlab.kv.get("orders-total") or "0"
        return {"statusCode": 200, "body": f"total: {total}\n"}
    for record in event["Records"]:
        order = json.loads(record["body"])
        amount = int(order["amount"])
        total = fnlab.kv.increment("orders-total", amount)
        print(f"order {record['messageId']}: +{amount}, total {total}")
    return {"ok": True}
