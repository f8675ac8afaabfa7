# A file processor. On the Key-value stores page, make a store (say
# "uploads") run this function on each upload ("Uploads run"), then drop a
# text file on it, or PUT it to /api/v1/kv/uploads/notes.txt. Each upload
# arrives as the S3 event Lambda receives; this reads the file through
# the key-value store, counts its lines and words, and writes the counts
# as JSON under the same key in the store "wordcounts". Open the
# function's URL to list what it has counted.
import json
import re
from collections import Counter

import fnlab

RESULTS = fnlab.kv.store("wordcounts")


def lambda_handler(event, context):
    if "Records" not in event:
        counted = {key: RESULTS.get_json(key)["words"] for key in RESULTS.list()}
        return {"statusCode": 200, "body": {"word counts": counted}}
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = record["s3"]["object"]["key"]
        text = fnlab.kv.store(bucket).get(key)
        if text is None:
            raise LookupError(f"{bucket}/{key} was deleted before it was counted")
        words = re.findall(r"[\w']+", text.lower())
        counts = {
            "lines": len(text.splitlines()),
            "words": len(words),
            "top": Counter(words).most_common(5),
        }
        RESULTS.set(key, counts)
        print(f"{bucket}/{key}: {counts['words']} words, {counts['lines']} lines")
    return {"ok": True}
