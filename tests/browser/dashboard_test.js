// Opens a live run's dashboard in Debian's headless Chromium through
// playwright-core (no browser download) and checks what a person would see:
// the env-step count goes up between two reads, there is a chart for every
// metric the dashboard promises, the process table lists every role, and
// the browser logged no error. Saves a screenshot.
//
//   node tests/browser/dashboard_test.js URL SCREENSHOT.png
// Exit 0 when every check passed; prints one line per check.
"use strict";
const {chromium} = require("playwright-core");

const CHARTS = ["success", "env_steps_per_second", "samples_per_second", "updates_per_second",
                "replay_transitions", "replay_rates", "version", "staleness"];
const ROLES = ["replay", "learner", "actor", "evaluator"];

async function main() {
  const [url, screenshot] = process.argv.slice(2);
  const failures = [];
  const check = (ok, what) => {
    console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
    if (!ok) failures.push(what);
  };
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const errors = [];
  try {
    const page = await browser.newPage({viewport: {width: 1440, height: 1000}});
    page.on("console", message => {
      if (message.type() === "error") errors.push(`console: ${message.text()}`);
    });
    page.on("pageerror", error => errors.push(`page: ${error.message}`));
    page.on("requestfailed", request => errors.push(`request: ${request.url()}`));
    await page.goto(url, {waitUntil: "load"});

    const steps = async () => Number(await page.locator("#env-steps").getAttribute("data-value"));
    await page.waitForFunction(
        () => Number(document.querySelector("#env-steps").dataset.value) > 0, null,
        {timeout: 60000});
    const first = await steps();
    await page.waitForTimeout(6000);
    const second = await steps();
    check(second > first, `env steps increase between two reads: ${first} -> ${second}`);

    for (const chart of CHARTS) {
      const canvases = await page.locator(`[data-chart="${chart}"] canvas`).count();
      check(canvases >= 1, `a chart for ${chart}`);
    }
    const roles = await page.locator("#processes tbody tr").evaluateAll(
        rows => rows.map(row => row.dataset.role));
    for (const role of ROLES) check(roles.includes(role), `the process table lists a ${role}`);
    const running = await page.locator("#processes tbody tr").evaluateAll(
        rows => rows.filter(row => row.textContent.includes("running")).length);
    check(running === roles.length, `every process is running (${running} of ${roles.length})`);
    const state = await page.locator("#state").textContent();
    check(state === "running", `the run's state is shown as running (${state})`);

    await page.waitForTimeout(1000);
    await page.screenshot({path: screenshot, fullPage: true});
    console.log(`screenshot ${screenshot}`);
  } finally {
    await browser.close();
  }
  check(errors.length === 0, `no console error${errors.length ? ": " + errors.join("; ") : ""}`);
  process.exit(failures.length === 0 ? 0 : 1);
}

main().catch(error => {
  console.log(`FAIL ${error.stack || error}`);
  process.exit(1);
});
