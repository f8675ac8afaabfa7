// JavaScript and Python from the browser: the "New function" dialog's
// language choice, a template deployed and called at its URL, and a syntax
// error marked on its line while the live version stays.
import { expect, signUp, test, uniqueName } from "./fixtures";

const CASES = [
  {
    language: "python",
    template: "python-hello-world",
    starts: "def hello_world(request):",
    answer: "Hello Ann!",
    // No brackets or quotes: the editor would close them.
    broken: "x = = 1",
  },
  {
    language: "javascript",
    template: "javascript-worker",
    starts: "export default {",
    answer: "Hello, Ann!",
    broken: "const broken = ;",
  },
];

for (const c of CASES) {
  test(`a ${c.language} function from a template: deploy, call, see a syntax error's line`, async ({ page, request }) => {
    // A fresh node builds the language's runtime once (tens of seconds).
    test.setTimeout(240_000);
    await signUp(page, uniqueName(c.language.slice(0, 2)));

    await page.getByLabel("New function name").fill(`hi-${c.language}`);
    await page.getByLabel("Language").selectOption(c.language);
    await expect(page.getByLabel("Template")).toHaveValue(new RegExp(`^${c.language}-`));
    await page.getByLabel("Template").selectOption(c.template);
    await page.getByRole("button", { name: "New function" }).click();
    await expect(page).toHaveURL(new RegExp(`/functions/hi-${c.language}$`));
    const editor = page.getByTestId("editor").locator(".cm-content");
    await expect(editor).toContainText(c.starts);

    await editor.click();
    await page.keyboard.press("ControlOrMeta+Enter");
    await expect(page.locator('[data-step="live"]')).toHaveClass(/done/, { timeout: 200_000 });
    await expect(page.locator(".build-status")).toContainText("Version 1 is live");
    const url = (await page.getByTestId("function-url").textContent())!.trim();
    const called = await request.get(`${url}?name=Ann`);
    expect(called.status()).toBe(200);
    expect(await called.text()).toContain(c.answer);

    // A syntax error on the last line: marked there, v1 still live.
    await editor.click();
    await page.keyboard.press("ControlOrMeta+End");
    await page.keyboard.type(`\n${c.broken}\n`);
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await expect(page.locator(".build-status")).toContainText("Build failed", { timeout: 60_000 });
    await expect(page.getByTestId("problems")).toContainText("SyntaxError");
    await expect(page.locator(".cm-lintRange-error")).toBeVisible();
    const lines = await page.getByTestId("editor").locator(".cm-line").allInnerTexts();
    const brokenLine = lines.findIndex((l) => l.includes(c.broken)) + 1;
    await expect(page.getByTestId("problems")).toContainText(`line ${brokenLine}:`);
    expect((await request.get(`${url}?name=Ann`)).status()).toBe(200);
  });
}
