// Accounts in the browser: the landing page, sign-up, log out, log in, and
// the errors a user sees.
import { expect, logOut, PASSWORD, signUp, test, uniqueName } from "./fixtures";

test("the landing page says what Fnlab is", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Deploy");
  await expect(page.getByRole("link", { name: "Sign up" }).first()).toBeVisible();
});

test("sign up, reach the dashboard, log out and log in again", async ({ page }) => {
  const username = uniqueName("ann");
  await signUp(page, username);
  await expect(page.getByRole("heading", { name: "Your functions" })).toBeVisible();
  await expect(page.getByTestId("functions-empty")).toBeVisible();

  await logOut(page);
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login$/);

  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("user-menu")).toHaveText(username);
});

test("a wrong password shows a clear error and keeps the username", async ({ page }) => {
  const username = uniqueName("bob");
  await signUp(page, username);
  await logOut(page);

  await page.goto("/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("not my password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toContainText(/wrong username or password/i);
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByLabel("Username")).toHaveValue(username);
});

test("sign-up explains a weak password and a taken username", async ({ page }) => {
  const username = uniqueName("cat");
  await page.goto("/signup");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("short-pw");
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByRole("alert")).toContainText("at least 10 characters");

  await signUp(page, username);
  await logOut(page);
  await page.goto("/signup");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByRole("alert")).toContainText(/taken/i);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the forms still sign up, log out and log in, and explain an error", async ({ page }) => {
    const username = uniqueName("dan");
    await page.goto("/signup");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill("short-pw");
    await page.getByRole("button", { name: "Sign up" }).click();
    await expect(page.getByRole("alert")).toContainText("at least 10 characters");

    await signUp(page, username);
    await logOut(page);
    await page.goto("/login");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
  });
});
