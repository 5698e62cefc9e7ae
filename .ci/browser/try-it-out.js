// Opens Swagger UI at each base URL given, expands GET /v1/territories, clicks "Try it out" then "Execute", and
// checks that the live response shown is a 200 fetched from the page's own address (origin and path prefix), and that
// the page's Content-Security-Policy blocked nothing.
// Usage: node try-it-out.js NAME=BASE_URL...   (BROWSER_SCREENSHOTS=dir keeps a screenshot of each case)
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const cases = process.argv.slice(2).map((arg) => {
  const at = arg.indexOf('=');
  return { name: arg.slice(0, at), base: arg.slice(at + 1) };
});

async function tryItOut(context, { name, base }) {
  const page = await context.newPage();
  const blocked = [];
  page.on('console', (message) => { if (/Content Security Policy/i.test(message.text())) blocked.push(message.text()); });
  try {
    await page.goto(`${base}/swagger`);
    const operation = page.locator('#operations-Territories-listTerritories');
    await operation.locator('.opblock-summary-control').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    const sent = page.waitForResponse((response) => new URL(response.url()).pathname.endsWith('/v1/territories'));
    await operation.getByRole('button', { name: 'Execute' }).click();
    const status = operation.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor();
    const shown = (await status.innerText()).trim();
    const requestUrl = (await operation.locator('.request-url pre').first().innerText()).trim();
    if (process.env.BROWSER_SCREENSHOTS) {
      await operation.locator('.live-responses-table').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(process.env.BROWSER_SCREENSHOTS, `${name}.png`) });
    }
    const expected = `${base}/v1/territories`;
    if (shown !== '200') {
      const body = (await operation.locator('.live-responses-table .response-col_description').first().innerText()).trim();
      throw new Error(`the live response is ${shown} (${body.replace(/\s+/g, ' ').slice(0, 120)}) for ${requestUrl}`);
    }
    const withoutQuery = (url) => { const parsed = new URL(url); return parsed.origin + parsed.pathname; };
    if (withoutQuery(requestUrl) !== expected) throw new Error(`the request went to ${requestUrl}, not ${expected}`);
    const response = await sent;
    if (response.status() !== 200 || withoutQuery(response.url()) !== expected) {
      throw new Error(`the browser fetched ${response.url()} with status ${response.status()}`);
    }
    if (blocked.length > 0) throw new Error(`the Content-Security-Policy blocked: ${blocked.join(' | ')}`);
    return `${shown} from ${requestUrl}, nothing blocked by the CSP`;
  } finally {
    await page.close();
  }
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 60_000,
  });
  context.setDefaultTimeout(30_000);
  let failed = 0;
  try {
    for (const entry of cases) {
      try {
        console.log(`ok     ${entry.name}: Try it out GET /v1/territories -> ${await tryItOut(context, entry)}`);
      } catch (error) {
        failed++;
        console.log(`FAILED ${entry.name}: ${error.message.replace(/\s+/g, ' ').slice(0, 300)}`);
      }
    }
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
