// Functions in the browser: deploy a real wasm32-wasip2 component from the
// dashboard, call its public URL, read its log, deploy again, roll back.
import type { Page } from "@playwright/test";
import { expect, signUp, test, uniqueName, uploadComponent } from "./fixtures";

const probe = process.env.PROBE_WASM;

/** Deploys the probe component as "probe" from the dashboard and opens its page. */
async function deployProbe(page: Page): Promise<void> {
  await uploadComponent(page, "probe", probe!);
}

test("deploy a component, call it, see its log and roll back", async ({ page, request }) => {
  test.skip(!probe, "PROBE_WASM names the probe component (.ci/test sets it)");
  await signUp(page, uniqueName("fn"));

  await deployProbe(page);
  await expect(page.getByTestId("versions")).toContainText("v1");
  await expect(page.getByTestId("no-invocations")).toBeVisible();

  const url = (await page.getByTestId("function-url").textContent())!.trim();
  const called = await request.get(`${url}log`);
  expect(called.status()).toBe(201);
  expect(called.headers()["content-security-policy"]).toContain("sandbox");
  // The page refreshes its invocations by itself.
  await expect(page.getByTestId("invocations")).toContainText("a line on stdout");
  await expect(page.getByTestId("invocations")).toContainText("a line on stderr");

  await page.getByLabel("Component file").setInputFiles(probe!);
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.getByText("Version 2 is live.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Roll back to v1" })).toBeVisible();
  await page.getByRole("button", { name: "Roll back to v1" }).click();
  await expect(page.getByRole("button", { name: "Roll back to v2" })).toBeVisible();

  await page.goto("/dashboard");
  const row = page.getByTestId("functions").getByRole("row", { name: /probe/ });
  await expect(row).toContainText("v1");
  await expect(row).toContainText(url);
});

test("a warm instance remembers until the page asks for a fresh one per request", async ({ page, request }) => {
  test.skip(!probe, "PROBE_WASM names the probe component (.ci/test sets it)");
  await signUp(page, uniqueName("warm"));
  await deployProbe(page);
  const url = (await page.getByTestId("function-url").textContent())!.trim();
  // `/remember?v=N` keeps N in a static and answers what it held before.
  const remember = async (n: number) => (await (await request.get(`${url}remember?v=${n}`)).text()).trim();

  await expect(page.getByTestId("instances")).toContainText("Instances: warm");
  expect(await remember(1)).toBe("0 0");
  expect(await remember(2)).toBe("1 0");

  await page.getByRole("button", { name: "Use a fresh instance per request" }).click();
  await expect(page.getByTestId("instances")).toContainText("a fresh one for every request");
  expect(await remember(3)).toBe("0 0");
  expect(await remember(4)).toBe("0 0");
  await expect(page.getByRole("button", { name: "Reuse warm instances" })).toBeVisible();
});

test("a file that is not a component gets the server's reason", async ({ page }) => {
  await signUp(page, uniqueName("bad"));
  await page.getByLabel("Function name", { exact: true }).fill("broken");
  await page.getByLabel("Component file").setInputFiles({
    name: "notes.wasm",
    mimeType: "application/wasm",
    buffer: Buffer.from("these are not the bytes you are looking for"),
  });
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.getByRole("alert")).toContainText("not a WebAssembly binary");
  await expect(page.getByTestId("functions-empty")).toBeVisible();
});

test("the log follows live: pause, filter, expand, clear", async ({ page, request }) => {
  test.skip(!probe, "PROBE_WASM names the probe component (.ci/test sets it)");
  await signUp(page, uniqueName("tail"));
  await deployProbe(page);
  await expect(page.getByTestId("log-state")).toHaveText("● live");
  const url = (await page.getByTestId("function-url").textContent())!.trim();
  const log = page.getByTestId("invocations");

  // Called from outside, the invocation appears by itself.
  expect((await request.get(`${url}log?from=outside`)).status()).toBe(201);
  await expect(log).toContainText("GET /log?from=outside");
  await expect(log).toContainText("a line on stdout");

  // Paused, arrivals wait and are counted; resumed, they show.
  await page.getByRole("button", { name: "Pause" }).click();
  expect((await request.get(`${url}panic`)).status()).toBe(502);
  await expect(page.getByRole("button", { name: "Resume (1 new)" })).toBeVisible();
  await expect(log).not.toContainText("GET /panic");
  await page.getByRole("button", { name: "Resume (1 new)" }).click();
  await expect(log).toContainText("GET /panic");

  // A filter by status class; a click expands an invocation.
  await page.getByLabel("Filter the log").fill("5xx");
  await expect(log).not.toContainText("GET /log");
  await log.getByText("GET /panic").click();
  await expect(page.getByTestId("invocation-details")).toContainText("Request id");
  await expect(page.getByTestId("invocation-details")).toContainText("deliberate panic");
  await page.getByLabel("Filter the log").fill("");
  await expect(log).toContainText("GET /log");

  await page.getByRole("button", { name: "Clear" }).click();
  await expect(page.getByTestId("no-invocations")).toBeVisible();
  expect((await request.get(`${url}hello`)).status()).toBe(200);
  await expect(log).toContainText("GET /hello");
});

test("variables and secrets set on the page reach the function; secrets are never shown", async ({ page, request }) => {
  test.skip(!probe, "PROBE_WASM names the probe component (.ci/test sets it)");
  await signUp(page, uniqueName("env"));
  await deployProbe(page);
  await expect(page.getByTestId("no-env")).toBeVisible();
  const url = (await page.getByTestId("function-url").textContent())!.trim();
  expect((await request.get(`${url}var?name=MODE`)).status()).toBe(404);

  const env = page.getByTestId("environment");
  await env.getByLabel("Variable name").fill("MODE");
  await env.getByLabel("Variable value").fill("classroom");
  await env.getByRole("button", { name: "Set" }).click();
  await expect(page.getByTestId("env")).toContainText("classroom");
  await env.getByLabel("Variable name").fill("TOKEN");
  await env.getByLabel("Variable value").fill("s3cret-value");
  await env.getByLabel("secret").check();
  await env.getByRole("button", { name: "Set" }).click();
  await expect(page.getByTestId("env")).toContainText("TOKEN");
  await expect(page.getByTestId("env")).not.toContainText("s3cret-value");

  // The function sees both at once, with no redeploy.
  expect(await (await request.get(`${url}var?name=MODE`)).text()).toBe("MODE=classroom");
  expect(await (await request.get(`${url}var?name=TOKEN`)).text()).toBe("TOKEN=s3cret-value");

  // A name the server refuses says why; reloading shows the secret by name only.
  await env.getByLabel("Variable name").fill("FNLAB_SOURCE");
  await env.getByLabel("Variable value").fill("x");
  await env.getByRole("button", { name: "Set" }).click();
  await expect(env.getByRole("alert")).toContainText("Fnlab's own");
  await page.reload();
  await expect(page.getByTestId("env")).toContainText("TOKEN");
  expect(await page.content()).not.toContain("s3cret-value");

  await page.getByRole("button", { name: "Remove MODE" }).click();
  await expect(page.getByTestId("env")).not.toContainText("classroom");
  expect((await request.get(`${url}var?name=MODE`)).status()).toBe(404);
});
