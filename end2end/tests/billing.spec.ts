// Billing and metrics in the browser: call a real function, then read its
// requests and cost on the Billing page (the same numbers the REST API
// computes from the records), its daily chart, and its metrics charts.
import { expect, signUp, test, uniqueName, uploadComponent } from "./fixtures";

const probe = process.env.PROBE_WASM;

/** `$1.234567`, as the pages write microdollars. */
function dollars(micros: number): string {
  const sign = micros < 0 ? "-" : "";
  const abs = Math.abs(micros);
  return `${sign}$${Math.floor(abs / 1e6)}.${String(abs % 1e6).padStart(6, "0")}`;
}

test("billing shows a function's requests and cost, with charts", async ({ page }) => {
  test.skip(!probe, "PROBE_WASM names the probe component (.ci/test sets it)");
  await signUp(page, uniqueName("bill"));
  await uploadComponent(page, "probe", probe!);

  const url = (await page.getByTestId("function-url").textContent())!.trim();
  for (let i = 0; i < 3; i++) {
    expect((await page.request.get(`${url}hello`)).status()).toBe(200);
  }
  // Each invocation's cost sits beside its log line.
  await expect(page.getByTestId("invocation-cost")).toHaveCount(3);
  await expect(page.getByTestId("invocation-cost").first()).toContainText("$0.0000002");

  // The editor offers a template for an uploaded component; leaving without
  // touching it asks nothing.
  await page.getByRole("banner").getByRole("link", { name: "Billing" }).click();
  await expect(page).toHaveURL(/\/billing$/);
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("requests")).toContainText("3", { timeout: 500 });
  }).toPass({ timeout: 10_000 });

  const usage = await (await page.request.get("/api/v1/usage")).json();
  expect(usage.requests).toBe(3);
  const line = page.getByTestId("billing-functions").getByRole("row", { name: /probe/ });
  await expect(line).toContainText("3");
  await expect(line).toContainText(dollars(usage.functions[0].cost_micros));
  await expect(page.getByTestId("total")).toHaveText(dollars(usage.cost_micros));
  await expect(page.getByTestId("cost-so-far")).toContainText(dollars(usage.cost_micros));
  // The component counts against the plan's storage quota.
  const billing = await (await page.request.get("/api/v1/billing")).json();
  expect(billing.storage.used_bytes).toBeGreaterThan(0);
  await expect(page.getByRole("meter", { name: "Storage" })).toBeVisible();
  await expect(page.locator(".meter-row", { hasText: "Storage" })).toContainText("KiB of 256.0 MiB");
  // The daily chart has a bar for today with its count written on it.
  const chart = page.getByTestId("chart");
  await expect(chart).toBeVisible();
  await expect(chart.locator("g.bar text.value")).toContainText(["3"]);

  const csv = await page.request.get("/api/v1/usage.csv");
  expect(csv.headers()["content-type"]).toContain("text/csv");
  expect(await csv.text()).toContain(",probe,3,0,");

  // The function's metrics: the same three invocations, and two charts.
  await page.goto("/functions/probe/metrics?window=24h");
  await expect(page.getByTestId("metric-invocations")).toContainText("3");
  await expect(page.getByTestId("chart")).toHaveCount(2);
  await expect(page.getByTestId("metric-latency")).toContainText("ms");
  await page.getByRole("link", { name: "Last hour" }).click();
  await expect(page).toHaveURL(/window=1h/);
  await expect(page.getByTestId("metric-invocations")).toContainText("3");
});

test("the admin page is not there for ordinary users", async ({ page }) => {
  await signUp(page, uniqueName("pupil"));
  await expect(page.getByRole("banner").getByRole("link", { name: "Admin" })).toHaveCount(0);
  await page.goto("/admin");
  await expect(page.getByRole("alert")).toContainText("Not found");
});
