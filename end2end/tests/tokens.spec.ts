// API tokens in the browser: create one, see it once, use it, revoke it.
import { expect, signUp, test, uniqueName } from "./fixtures";

test("create a token, use it against the API, revoke it", async ({ page, request }) => {
  await signUp(page, uniqueName("tok"));
  await page.getByTestId("user-menu").click();
  await page.getByRole("link", { name: "API tokens" }).click();
  await expect(page.getByTestId("no-tokens")).toBeVisible();

  await page.getByLabel("Token name").fill("laptop");
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.getByTestId("new-token").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^fnlab_[0-9a-f]{64}$/);
  await expect(page.getByTestId("tokens")).toContainText("laptop");

  const me = await request.get("/api/v1/me", { headers: { authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);

  await page.reload();
  await expect(page.getByTestId("new-token")).toHaveCount(0);
  await expect(page.getByTestId("tokens")).not.toContainText(secret);

  await page.getByRole("button", { name: "Revoke laptop" }).click();
  await expect(page.getByTestId("no-tokens")).toBeVisible();
  const revoked = await request.get("/api/v1/me", { headers: { authorization: `Bearer ${secret}` } });
  expect(revoked.status()).toBe(401);
});
