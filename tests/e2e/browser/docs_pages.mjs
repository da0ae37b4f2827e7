// Opens the API's documentation pages in headless Chromium (Debian's package, driven by playwright-core) and prints
// one JSON line of what it saw: operations rendered per page, and every URL the browser asked for. Any request to a
// host other than the API's is recorded and refused, so the test can fail on it without anything leaving the machine.
//
//   node docs_pages.mjs <API base URL> <screenshot directory>
// The Python test (tests/e2e/test_docs_in_a_browser.py) judges the result.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Chromium's own traffic (updates, sync, field trials) off: only the page's requests remain.
const CHROMIUM_ARGS = [
  "--no-sandbox", // root in CI, where Chromium's sandbox refuses to start
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const RENDER_TIMEOUT_MS = 60_000;
// What each page shows once it has read the OpenAPI document: one element per operation.
const PAGES = [
  { name: "swagger-ui", path: "/docs", operation: ".opblock" },
  { name: "redoc", path: "/redoc", operation: "[data-section-id^='operation/']" },
];

const [base, screenshots] = process.argv.slice(2);
const apiOrigin = new URL(base).origin;
const profile = mkdtempSync(join(tmpdir(), "kotoba-chromium-")); // a fresh profile: no cache, no cookies
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: CHROMIUM_ARGS,
  viewport: { width: 1280, height: 1600 },
});
const requested = [];
await context.route("**/*", (route) => {
  const url = route.request().url();
  requested.push(url);
  return new URL(url).origin === apiOrigin ? route.continue() : route.abort("blockedbyclient");
});
const result = { requested, pages: {} };
try {
  for (const { name, path, operation } of PAGES) {
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    const started = Date.now();
    await page.goto(`${base}${path}`);
    await page.locator(operation).first().waitFor({ timeout: RENDER_TIMEOUT_MS });
    const renderedMs = Date.now() - started;
    await page.screenshot({ path: join(screenshots, `${name}.png`) });
    result.pages[name] = { operations: await page.locator(operation).count(), renderedMs, errors };
    await page.close();
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(result));
