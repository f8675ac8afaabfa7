// The editor in the browser: a new function from a template, deployed from
// the page with its progress shown, called at its URL and from the test
// console; a compile error marked on its line while the live version stays.
import { expect, signUp, test, uniqueName } from "./fixtures";

test("new function from a template: deploy, call, break, see the marker", async ({ page, request }) => {
  test.setTimeout(180_000);
  await signUp(page, uniqueName("ed"));

  await page.getByLabel("New function name").fill("greet");
  await page.getByLabel("Template").selectOption("rust-greeter");
  await page.getByRole("button", { name: "New function" }).click();
  await expect(page).toHaveURL(/\/functions\/greet$/);
  const editor = page.getByTestId("editor").locator(".cm-content");
  await expect(editor).toContainText("Query-string greeter");

  // Deploy with the keyboard shortcut; the steps reach "live".
  await editor.click();
  await page.keyboard.press("ControlOrMeta+Enter");
  await expect(page.locator('[data-step="live"]')).toHaveClass(/done/, { timeout: 120_000 });
  await expect(page.locator(".build-status")).toContainText("Version 1 is live");
  await expect(page.getByTestId("build-log")).toContainText("Compiling function", { useInnerText: false });

  const url = (await page.getByTestId("function-url").textContent())!.trim();
  const called = await request.get(`${url}?name=Ann`);
  expect(called.status()).toBe(200);
  expect(await called.text()).toContain("Hello, Ann!");

  // The test console shows the answer and the invocation's log.
  await page.getByLabel("Path and query").fill("/?name=Console");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByTestId("test-status")).toContainText("200");
  await expect(page.getByTestId("test-body")).toContainText("Hello, Console!");
  await expect(page.getByTestId("test-logs")).toContainText("CPU");

  // A type error on line 8: a marker there, the message listed, v1 still live.
  await editor.click();
  await page.keyboard.press("ControlOrMeta+End");
  await page.keyboard.type("\nfn broken() -> u32 { \"not a number\" }\n");
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  await expect(page.locator(".build-status")).toContainText("Build failed", { timeout: 120_000 });
  await expect(page.getByTestId("problems")).toContainText("mismatched types");
  await expect(page.locator(".cm-lintRange-error")).toBeVisible();
  const lines = await page.getByTestId("editor").locator(".cm-line").allInnerTexts();
  const brokenLine = lines.findIndex((l) => l.includes("fn broken")) + 1;
  await expect(page.getByTestId("problems")).toContainText(`line ${brokenLine}:`);
  expect((await request.get(`${url}?name=Ann`)).status()).toBe(200);
  await expect(page.getByTestId("live-version")).toContainText("v1");

  // Unsaved changes: leaving through a link asks first; staying keeps them.
  await editor.click();
  await page.keyboard.type("// not saved yet");
  page.once("dialog", (dialog) => dialog.dismiss());
  await page.getByRole("link", { name: "Functions", exact: true }).click();
  await expect(page).toHaveURL(/\/functions\/greet$/);
  await expect(editor).toContainText("// not saved yet");
  await editor.click();
  await page.keyboard.press("ControlOrMeta+s");
  await expect(page.locator(".build-status")).toContainText("Saved.");
  await page.getByRole("link", { name: "Functions", exact: true }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
});
