// Share and fork in the browser: Ann deploys a JavaScript function and
// makes it public with a description; a visitor reads its page (source
// highlighted, tried at its URL); Bob forks it, lands in his editor with
// the source, deploys the fork and calls it; Ann's page counts the fork.
import { deployFromEditor, expect, logOut, newFunction, signUp, test, uniqueName } from "./fixtures";

test("share a function publicly, fork it from another account, deploy the fork", async ({ page, request }) => {
  // A fresh node builds the JavaScript runtime once (tens of seconds).
  test.setTimeout(300_000);
  const ann = uniqueName("ann");
  await signUp(page, ann);
  await newFunction(page, "greeter", "javascript", "javascript-worker");
  await deployFromEditor(page);

  const sharing = page.getByTestId("sharing");
  await sharing.getByLabel("Public: anyone can read the source and fork it").check();
  await sharing.getByLabel("Description").fill("Greets whoever calls it");
  await sharing.getByRole("button", { name: "Save sharing" }).click();
  await expect(sharing.getByTestId("public-page")).toHaveText(`/s/${ann}/greeter`);
  await logOut(page);

  // Anyone: the page, its source highlighted, a try-it console.
  await page.goto(`/s/${ann}/greeter`);
  await expect(page.getByTestId("shared-description")).toHaveText("Greets whoever calls it");
  await expect(page.getByTestId("shared-source").locator(".cm-content")).toContainText("export default {");
  await expect(page.getByTestId("fork-count")).toHaveText("0 forks");
  await page.getByLabel("Path and query").fill("/?name=Visitor");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByTestId("test-body")).toHaveText("Hello, Visitor!");
  await expect(page.getByRole("link", { name: "Log in to fork" })).toBeVisible();

  // Bob forks it into his account and deploys it.
  const bob = uniqueName("bob");
  await signUp(page, bob);
  await page.goto(`/s/${ann}/greeter`);
  await page.getByLabel("Name of your fork").fill("my-greeter");
  await page.getByRole("button", { name: "Fork" }).click();
  await expect(page).toHaveURL(/\/functions\/my-greeter$/);
  await expect(page.getByTestId("editor").locator(".cm-content")).toContainText("export default {");
  await expect(page.getByTestId("sharing")).toContainText(`Forked from ${ann}/greeter`);
  await deployFromEditor(page);
  const answer = await request.get(`/fn/${bob}/my-greeter/?name=Bob`);
  expect((await answer.text()).trim()).toBe("Hello, Bob!");

  await page.goto(`/s/${ann}/greeter`);
  await expect(page.getByTestId("fork-count")).toHaveText("1 fork");
  // Bob's fork is private: its page is his alone.
  await page.goto(`/s/${bob}/my-greeter`);
  await expect(page.getByTestId("forked-from")).toHaveText(`${ann}/greeter`);
  expect((await request.get(`/s/${bob}/my-greeter`)).status()).toBe(404);
  expect((await request.get(`/api/v1/shared/${bob}/my-greeter`)).status()).toBe(404);
});
