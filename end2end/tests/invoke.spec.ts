// Direct invoke from the browser: the test console's Event tab invokes a
// Python Lambda handler (from its template) with a sample API Gateway
// event, saves an edited event on the server, finds it again after a
// reload, and deletes it; each run is in the log as trigger `invoke`.
import { deployFromEditor, expect, newFunction, signUp, test, uniqueName } from "./fixtures";

test("the Event tab invokes a handler with samples and saved test events", async ({ page }) => {
  // A fresh node builds the Python runtime once (tens of seconds).
  test.setTimeout(240_000);
  await signUp(page, uniqueName("invoke"));
  await newFunction(page, "greeter", "python", "python-lambda");
  await deployFromEditor(page);

  await page.getByRole("tab", { name: "Event" }).click();
  await expect(page.getByRole("tabpanel", { name: "Event" })).toBeVisible();
  await expect(page.getByRole("tabpanel", { name: "HTTP request" })).toBeHidden();
  await page.getByLabel("Test event").selectOption({ label: "API Gateway request" });
  await expect(page.getByLabel("Event JSON")).toHaveValue(/"httpMethod": "GET"/);
  await page.getByRole("button", { name: "Invoke" }).click();
  await expect(page.getByTestId("test-status")).toContainText("200 ·");
  await expect(page.getByTestId("test-body")).toContainText("Hello, Ann!");
  await expect(page.getByTestId("test-logs")).toContainText("GET / (request");

  // An edited event, saved on the server, is there after a reload.
  const event = '{"httpMethod": "POST", "path": "/x", "queryStringParameters": {"name": "Aditya"}}';
  await page.getByLabel("Event JSON").fill(event);
  await page.getByLabel("Event name").fill("aditya");
  await page.getByRole("button", { name: "Save event" }).click();
  await expect(page.getByTestId("test-status")).toHaveText("Saved test event aditya.");
  await page.reload();
  await page.getByRole("tab", { name: "Event" }).click();
  await page.getByLabel("Test event").selectOption({ label: "aditya" });
  await expect(page.getByLabel("Event JSON")).toHaveValue(/"name": "Aditya"/);
  await page.getByRole("button", { name: "Invoke" }).click();
  await expect(page.getByTestId("test-body")).toContainText("Hello, Aditya!");
  // The log has it once its record is written (records are batched).
  await expect
    .poll(async () => {
      const log = await (await page.request.get("/api/v1/functions/greeter/invocations")).json();
      return `${log[0].trigger} ${log[0].stdout}`;
    })
    .toContain("invoke POST /x");

  await page.getByRole("button", { name: "Delete event" }).click();
  await expect(page.getByTestId("test-status")).toHaveText("Deleted test event aditya.");
  await expect(page.getByLabel("Test event").locator("option", { hasText: "aditya" })).toHaveCount(0);
});
