// Outbound HTTP from the browser: a JavaScript webhook relay from its
// template, its target set as a secret on the page, deployed and called;
// the relayed payload reaches a loopback server (the one port .ci/test
// allows functions to call) and the call shows in the function's live log.
import * as http from "node:http";
import { deployFromEditor, expect, newFunction, signUp, test, uniqueName } from "./fixtures";

const hookPort = Number(process.env.FNLAB_TEST_HOOK_PORT);

test("a webhook relay with its URL in a secret calls out, and the log shows the call", async ({ page, request }) => {
  test.skip(!hookPort, "FNLAB_TEST_HOOK_PORT names the port functions may call (.ci/test sets it)");
  // A fresh node builds the JavaScript runtime once (tens of seconds).
  test.setTimeout(240_000);
  const received: string[] = [];
  const hook = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(hookPort, "127.0.0.1", resolve));
  try {
    await signUp(page, uniqueName("relay"));
    await newFunction(page, "relay", "javascript", "javascript-webhook-relay");

    const env = page.getByTestId("environment");
    await env.getByLabel("Variable name").fill("WEBHOOK_URL");
    await env.getByLabel("Variable value").fill(`http://127.0.0.1:${hookPort}/hook`);
    await env.getByLabel("secret").check();
    await env.getByRole("button", { name: "Set" }).click();
    await expect(page.getByTestId("env")).toContainText("WEBHOOK_URL");
    await expect(page.getByTestId("env")).not.toContainText(`${hookPort}/hook`);

    await deployFromEditor(page);
    await expect(page.getByTestId("log-state")).toHaveText("● live");

    const url = (await page.getByTestId("function-url").textContent())!.trim();
    const relayed = await request.post(url, { data: { text: "hi from the browser test" } });
    expect(await relayed.text()).toBe("relayed: 202\n");
    expect(received).toEqual([`POST /hook {"text":"hi from the browser test"}`]);
    await expect(page.getByTestId("invocations")).toContainText(`outbound POST 127.0.0.1:${hookPort}/hook → 202`);
  } finally {
    hook.close();
  }
});
