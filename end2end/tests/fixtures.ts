// Shared helpers for Fnlab's browser tests.
import { expect, test as base, type Page } from "@playwright/test";

/** The password every test user gets. */
export const PASSWORD = "correct horse battery";

/** A username no other test run has used. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

/**
 * Every test fails when the page logs an error or throws: a hydration
 * panic or a missing asset shows up here first. A form the user got wrong
 * answers 422, which Chromium logs too: that one is expected.
 */
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on("console", (message) => {
        const expected = /status of 422/.test(message.text());
        if (message.type() === "error" && !expected) errors.push(message.text());
      });
      page.on("pageerror", (error) => errors.push(error.message));
      await use(errors);
      expect(errors, "errors in the browser console").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Signs up through the page and waits for the dashboard. */
export async function signUp(page: Page, username: string): Promise<void> {
  await page.goto("/signup");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("user-menu")).toHaveText(username);
}

/** Logs in through the page and waits for the dashboard. */
export async function logIn(page: Page, username: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("main").getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
}

/** Opens the user menu and logs out. */
export async function logOut(page: Page): Promise<void> {
  // From the home page: a function page's own requests (its log, its
  // assignment) still in flight when the session ends would get a 401,
  // which the browser reports as a console error.
  await page.goto("/");
  await page.getByTestId("user-menu").click();
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("banner").getByRole("link", { name: "Log in" })).toBeVisible();
}

/** Makes function `name` in `language` from `template` on the dashboard
 * and waits for its page. */
export async function newFunction(page: Page, name: string, language: string, template: string): Promise<void> {
  await page.getByLabel("New function name").fill(name);
  await page.getByLabel("Language").selectOption(language);
  await page.getByLabel("Template").selectOption(template);
  await page.getByRole("button", { name: "New function" }).click();
  await expect(page).toHaveURL(new RegExp(`/functions/${name}$`));
}

/** Uploads `file` (a path, or bytes) as function `name` from the
 * dashboard and waits for the function's page. */
export async function uploadComponent(
  page: Page,
  name: string,
  file: string | { name: string; mimeType: string; buffer: Buffer },
): Promise<void> {
  await page.getByLabel("Function name", { exact: true }).fill(name);
  await page.getByLabel("Component file").setInputFiles(file);
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page).toHaveURL(new RegExp(`/functions/${name}$`));
}

/** Deploys the editor's source with Ctrl/Cmd-Enter and waits until it is
 * live (a fresh node builds a language's runtime first: minutes). */
export async function deployFromEditor(page: Page): Promise<void> {
  await page.getByTestId("editor").locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+Enter");
  await expect(page.locator('[data-step="live"]')).toHaveClass(/done/, { timeout: 200_000 });
}
