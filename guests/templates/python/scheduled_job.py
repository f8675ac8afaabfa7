# A scheduled job. Add a schedule to this function under Schedules on
# its page (try "*/5 * * * *": every five minutes), or press "Run now".
# Each run arrives as the EventBridge scheduled event AWS sends:
# event["source"] is "aws.events" and event["time"] the time the run was
# due. This one counts its runs and keeps the time of the last one in
# your default key-value store; open the function's URL to read them.
import fnlab


def lambda_handler(event, context):
    if event.get("source") == "aws.events":
        runs = fnlab.kv.increment("job-runs")
        fnlab.kv.set("job-last-run", event["time"])
        print(f"run {runs}, due at {event['time']}")
        return {"runs": runs}
    runs = fnlab.kv.get("job-runs") or "0"
    last = fnlab.kv.get("job-last-run") or "never"
    return {"statusCode": 200, "body": f"runs: {runs}, last run due at: {last}\n"}
