// Playwright drives Debian's own Chromium (never a downloaded browser)
// against the Fnlab server that .ci/test starts and names in FNLAB_URL.
import { defineConfig } from "@playwright/test";

const baseURL = process.env.FNLAB_URL;
if (!baseURL) {
  throw new Error("set FNLAB_URL to a running Fnlab (.ci/test does this)");
}

export default defineConfig({
  testDir: "tests",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
