// Cold starts in the browser. The test server keeps no program in memory
// but the one loaded last (.ci/test sets FNLAB_PROGRAMS_MB=0), so
// deploying another component pushes the probe's out, and the probe's next
// call is a cold start: its log line says so, and the metrics page counts
// it beside the warm call before it.
import { readFileSync } from "node:fs";
import { expect, signUp, test, uniqueName, uploadComponent } from "./fixtures";

const probe = process.env.PROBE_WASM;

/** The probe with a custom section more: another component, same code. */
function probeVariant(): Buffer {
  const name = Buffer.from("fnlab-variant");
  const payload = Buffer.concat([Buffer.from([name.length]), name, Buffer.from([1])]);
  return Buffer.concat([readFileSync(probe!), Buffer.from([0, payload.length]), payload]);
}

test("a cold start is marked in the log and counted beside warm ones", async ({ page, request }) => {
  test.skip(!probe, "PROBE_WASM names the probe component (.ci/test sets it)");
  await signUp(page, uniqueName("cold"));
  await uploadComponent(page, "probe", probe!);
  const url = (await page.getByTestId("function-url").textContent())!.trim();

  // Warm, unless something else ran meanwhile: the upload made the
  // program ready.
  expect((await request.get(`${url}hello`)).status()).toBe(200);
  const log = page.getByTestId("invocations");
  await expect(log).toContainText("GET /hello");

  await page.goto("/dashboard");
  await uploadComponent(page, "other", {
    name: "other.wasm",
    mimeType: "application/wasm",
    buffer: probeVariant(),
  });

  // Cold: the probe's program was pushed out by the other one.
  await page.goto("/functions/probe");
  await expect(page.getByTestId("log-state")).toHaveText("● live");
  expect((await request.get(`${url}hello?again`)).status()).toBe(200);
  const row = log.locator("tr.invocation", { hasText: "GET /hello?again" });
  const cold = row.locator('[data-role="cold-start"]');
  await expect(cold).toHaveCount(1);
  await expect(cold).toHaveText(/^cold \+[\d.]+ (µs|ms|s)$/);
  await row.click();
  await expect(log).toContainText("cold: the program was made ready in");

  // The metrics count both calls, the second one cold.
  await page.goto("/functions/probe/metrics?window=24h");
  const coldCount = page.getByTestId("starts-cold").locator("td.num");
  const warmCount = page.getByTestId("starts-warm").locator("td.num");
  await expect(async () => {
    await page.reload();
    const counts = [await coldCount.textContent(), await warmCount.textContent()].map(Number);
    expect(counts[0]).toBeGreaterThanOrEqual(1);
    expect(counts[0] + counts[1]).toBe(2);
  }).toPass({ timeout: 10_000 });
  await expect(page.getByTestId("starts-cold")).toContainText("ms");
});
