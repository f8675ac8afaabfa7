// Cron schedules from the function page: a JavaScript scheduled job
// (from its template) gets a schedule in words with its next five runs;
// "Run now" runs it, and the run shows in the schedule's row and in the
// log as trigger `schedule`; a bad expression says why; pause, resume and
// delete work.
import { deployFromEditor, expect, newFunction, signUp, test, uniqueName } from "./fixtures";

test("a schedule added on the page runs now and shows in the log", async ({ page }) => {
  // A fresh node builds the JavaScript runtime once (tens of seconds).
  test.setTimeout(240_000);
  await signUp(page, uniqueName("cron"));
  await newFunction(page, "job", "javascript", "javascript-scheduled-job");
  await deployFromEditor(page);

  const schedules = page.getByTestId("schedules");
  await expect(schedules.getByTestId("no-schedules")).toBeVisible();
  await schedules.getByLabel("Cron expression").fill("* * *");
  await schedules.getByRole("button", { name: "Add schedule" }).click();
  await expect(schedules.getByRole("alert")).toContainText("five fields");

  await schedules.getByLabel("Cron expression").fill("*/5 * * * *");
  await schedules.getByLabel("Time zone").fill("Europe/Paris");
  await schedules.getByRole("button", { name: "Add schedule" }).click();
  const row = schedules.getByTestId("schedule");
  await expect(row.locator('[data-role="description"]')).toHaveText("Every 5 minutes (Europe/Paris)");
  await expect(row.locator("li")).toHaveCount(5);
  await expect(row.locator("li").first()).toContainText(/:[0-5][05]:00\+01:00$/);

  await row.getByRole("button", { name: "Run now" }).click();
  await expect(row.locator('[data-role="run-state"]')).toHaveText("done (204)", { timeout: 60_000 });
  const log = page.getByTestId("invocations");
  await expect(log.locator('[data-role="trigger"]').first()).toHaveText("schedule");
  await expect(log).toContainText('run 1 of "*/5 * * * *"');

  await row.getByRole("button", { name: "Pause" }).click();
  await expect(row.locator('[data-role="paused"]')).toHaveText("Paused");
  await expect(row.locator("li")).toHaveCount(0);
  await row.getByRole("button", { name: "Resume" }).click();
  await expect(row.locator("li")).toHaveCount(5);
  await row.getByRole("button", { name: "Delete" }).click();
  await expect(schedules.getByTestId("no-schedules")).toBeVisible();
});
