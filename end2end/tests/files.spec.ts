// File drops in the browser: a Python word counter made from its
// template, a store set to run it on each upload, a text file dropped on
// the store's page (a real drop event carrying a File), and the counts it
// wrote to another store; its metrics filtered to file drops; and its
// events' attempts setting.
import { deployFromEditor, expect, newFunction, signUp, test, uniqueName } from "./fixtures";

test("a file dropped on a store runs the function the store triggers", async ({ page }) => {
  // A fresh node builds the Python runtime once (tens of seconds).
  test.setTimeout(300_000);
  await signUp(page, uniqueName("drops"));
  await newFunction(page, "counter", "python", "python-word-count");
  await deployFromEditor(page);

  // Two attempts before a dead letter, kept across a reload.
  const attempts = page.getByTestId("event-attempts");
  await attempts.getByLabel("Attempts before a dead letter").fill("2");
  await attempts.getByRole("button", { name: "Save" }).click();
  await page.reload();
  await expect(page.getByLabel("Attempts before a dead letter")).toHaveValue("2");

  await page.goto("/kv?store=uploads");
  const trigger = page.getByTestId("store-trigger");
  await trigger.getByLabel("Uploads to uploads run").selectOption("counter");
  await trigger.getByRole("button", { name: "Set trigger" }).click();
  await expect(page.getByText("Each upload queues an S3-style event (ObjectCreated:Put) for counter")).toBeVisible();

  const dataTransfer = await page.evaluateHandle(() => {
    const data = new DataTransfer();
    data.items.add(new File(["The cat and the hat\nsat on the mat\n"], "hat.txt", { type: "text/plain" }));
    return data;
  });
  await page.getByTestId("drop-zone").dispatchEvent("drop", { dataTransfer });
  await expect(page.getByTestId("uploads")).toContainText(/Uploaded hat\.txt \(.+\); queued event [0-9a-f]{32}\./);
  await expect(page.getByTestId("keys")).toContainText("hat.txt");

  // The counts appear in the store the function writes to.
  await expect(async () => {
    await page.goto("/kv?store=wordcounts&key=hat.txt");
    await expect(page.getByTestId("kv-value")).toContainText('"words": 9', { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.getByTestId("kv-value")).toContainText('"lines": 2');

  // Its metrics, filtered to file drops: the one upload.
  await page.goto("/functions/counter/metrics");
  await page.getByTestId("trigger-tabs").getByRole("link", { name: "File drops" }).click();
  await expect(page).toHaveURL(/trigger=file/);
  await expect(page.getByTestId("metric-invocations")).toContainText("1");
  await page.getByTestId("trigger-tabs").getByRole("link", { name: "Schedules" }).click();
  await expect(page.getByTestId("metric-invocations")).toContainText("0");
});
