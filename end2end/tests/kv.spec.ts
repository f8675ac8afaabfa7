// Key-value stores from the browser: a JavaScript visit counter from its
// template counts in the default store; the Key-value stores page lists
// its keys, shows a value, writes a JSON value (shown pretty-printed) and
// deletes one; the Billing page shows the reads and writes.
import { deployFromEditor, expect, newFunction, signUp, test, uniqueName } from "./fixtures";

test("a visit counter's store: browse, view, write and delete values", async ({ page, request }) => {
  // A fresh node builds the JavaScript runtime once (tens of seconds).
  test.setTimeout(240_000);
  await signUp(page, uniqueName("kv"));
  await newFunction(page, "counter", "javascript", "javascript-visit-counter");
  await deployFromEditor(page);
  const url = (await page.getByTestId("function-url").textContent())!.trim();
  expect(await (await request.get(url)).text()).toBe("visits: 1\n");
  expect(await (await request.get(url)).text()).toBe("visits: 2\n");

  await page.getByTestId("user-menu").click();
  await page.getByRole("link", { name: "Key-value stores" }).click();
  await expect(page).toHaveURL(/\/kv$/);
  await expect(page.getByTestId("stores")).toContainText("default (2 keys");
  await expect(page.getByTestId("keys")).toContainText("last-visit");
  await page.getByTestId("keys").getByRole("link", { name: "visits" }).click();
  await expect(page.getByTestId("kv-value")).toHaveText("2");

  // Written from the page, read by the function.
  await page.getByLabel("Key", { exact: true }).fill("visits");
  await page.getByLabel("Value", { exact: true }).fill("40");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("kv-value")).toHaveText("40");
  expect(await (await request.get(url)).text()).toBe("visits: 41\n");

  await page.getByLabel("Key", { exact: true }).fill("profile");
  await page.getByLabel("Value", { exact: true }).fill('{"name":"Ann","tags":["a","b"]}');
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByTestId("keys").getByRole("link", { name: "profile" }).click();
  await expect(page.getByTestId("kv-value")).toContainText('"name": "Ann"');
  await page.getByRole("button", { name: "Delete profile" }).click();
  await expect(page.getByTestId("keys")).not.toContainText("profile");

  // The counter's reads and writes are on the bill, as the API counts them.
  const usage = await (await page.request.get("/api/v1/usage")).json();
  expect(usage.kv_writes).toBeGreaterThanOrEqual(3);
  await page.getByRole("banner").getByRole("link", { name: "Billing" }).click();
  await expect(page.getByTestId("kv-usage")).toContainText(`${usage.kv_reads} reads · ${usage.kv_writes} writes`);
  await expect(page.getByTestId("kv-usage")).toContainText("$0.5 per million reads");
  const line = page.getByTestId("billing-functions").getByRole("row", { name: /counter/ });
  await expect(line).toContainText(String(usage.functions[0].kv_writes));
  await expect(page.getByRole("meter", { name: "KV writes" })).toBeVisible();
});
