// The event queue from the function page: an event sent to a Python
// consumer that fails is retried (with a growing wait) and dead-lettered;
// once the code is fixed and deployed, Replay delivers it, and the log
// shows the delivery as trigger `event`. (The test server retries after
// 1 s, then 2 s.)
import { deployFromEditor, expect, newFunction, signUp, test, uniqueName } from "./fixtures";

const FAILING = `def lambda_handler(event, context):
    body = event["Records"][0]["body"]
    raise ValueError(f"cannot handle {body}")
`;

const FIXED = `def lambda_handler(event, context):
    record = event["Records"][0]
    print(f"handled {record['body']} on attempt {record['attributes']['ApproximateReceiveCount']}")
    return {"ok": True}
`;

test("a failing event is retried, dead-lettered, and replayed once fixed", async ({ page }) => {
  // A fresh node builds the Python runtime once (tens of seconds).
  test.setTimeout(300_000);
  await signUp(page, uniqueName("queue"));
  await newFunction(page, "consumer", "python", "python-lambda");
  const editor = page.getByTestId("editor").locator(".cm-content");
  await editor.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(FAILING);
  await deployFromEditor(page);

  const events = page.getByTestId("events");
  await expect(events.getByTestId("no-events")).toBeVisible();
  await events.getByLabel("Event payload").fill('{"order": 42}');
  await events.getByRole("button", { name: "Queue event" }).click();
  const row = events.getByTestId("event");
  await expect(row.locator('[data-role="event-state"]')).toHaveText("dead", { timeout: 60_000 });
  await expect(row.locator('[data-role="attempts"]')).toHaveText("3 attempts");
  await expect(row.locator('[data-role="last-error"]')).toHaveText("the function answered 500");
  await expect(page.getByTestId("invocations")).toContainText('ValueError: cannot handle {"order": 42}');

  await editor.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(FIXED);
  await page.keyboard.press("ControlOrMeta+Enter");
  await expect(page.locator(".build-status")).toContainText("Version 2 is live", { timeout: 120_000 });

  await row.getByRole("button", { name: "Replay" }).click();
  await expect(row.locator('[data-role="event-state"]')).toHaveText("done", { timeout: 60_000 });
  await expect(row.locator('[data-role="attempts"]')).toHaveText("1 attempt");
  const log = page.getByTestId("invocations");
  await expect(log).toContainText('handled {"order": 42} on attempt 1');
  await expect(log.locator('[data-role="trigger"]').first()).toHaveText("event");
});
