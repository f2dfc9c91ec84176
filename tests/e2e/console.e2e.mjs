// End-to-end test of the web console in a real Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser download). Run by scripts/e2e.sh against a fresh `jikji serve`:
// log in (keyboard only), create a domain (the secret is shown once), try an image and see its
// boxes (hover shows text and confidence), look at usage, users and the audit log, switch to
// English. Every page is saved as a screenshot; no request may leave the server's origin.
//
// Environment: JIKJI_BASE (server URL), JIKJI_E2E_USER / JIKJI_E2E_PASSWORD (an admin),
// JIKJI_E2E_IMAGE (an image to read), JIKJI_E2E_ARTIFACTS (screenshot folder),
// JIKJI_CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const base = process.env.JIKJI_BASE;
const user = process.env.JIKJI_E2E_USER;
const password = process.env.JIKJI_E2E_PASSWORD;
const image = process.env.JIKJI_E2E_IMAGE;
const out = process.env.JIKJI_E2E_ARTIFACTS || 'artifacts';
assert.ok(base && user && password && image, 'JIKJI_BASE, JIKJI_E2E_USER, JIKJI_E2E_PASSWORD and JIKJI_E2E_IMAGE are required');
fs.mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.JIKJI_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
const failures = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ko-KR' });
  const page = await context.newPage();
  const origin = new URL(base).origin;
  const outside = [];
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(origin) || u.startsWith('blob:') || u.startsWith('data:')) return route.continue();
    outside.push(u);
    return route.abort();
  });
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && !/401|403|404/.test(m.text())) failures.push(`console: ${m.text()}`); });
  const shot = async (name) => {
    await page.waitForTimeout(150);
    await page.screenshot({ path: path.join(out, `${name}.png`), fullPage: true });
    console.log(`e2e: screenshot ${name}.png`);
  };

  // 1. log in with the keyboard only
  await page.goto(`${base}/console/`);
  await page.waitForSelector('#login-user');
  await shot('login');
  await page.keyboard.type(user);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#new-domain');
  assert.equal(await page.textContent('h1'), '도메인');

  // 2. create a domain: the secret is shown once, the invoke URL and a curl line are there
  await page.click('#new-domain');
  await page.fill('#domain-form input[name=name]', 'e2e 영수증 도메인');
  await page.selectOption('#domain-form select[name=kind]', 'general');
  await page.click('#domain-form button[type=submit]');
  const secretBox = await page.waitForSelector('[data-testid=secret] input');
  const secret = await secretBox.inputValue();
  assert.ok(secret.length >= 40, `secret shown: ${secret.length} chars`);
  const section = page.locator('section.domain', { hasText: 'e2e 영수증 도메인' });
  const invoke = await section.locator('.invoke input').first().inputValue();
  assert.match(invoke, /\/custom\/v1\/\d+\/[0-9a-f]{64}\/general$/);
  const curl = await section.locator('.invoke input').nth(1).inputValue();
  assert.ok(curl.startsWith('curl -s ') && curl.includes('X-OCR-SECRET'), curl);
  await shot('domains');
  const domainId = invoke.match(/\/custom\/v1\/(\d+)\//)[1];

  // 3. try an image: boxes drawn over it; hover shows text and confidence; JSON and curl beside
  await page.goto(`${base}/console/#/try`);
  await page.waitForSelector('#try-domain');
  await page.selectOption('#try-domain', domainId);
  await page.setInputFiles('#try-file', image);
  await page.click('#try-run');
  await page.waitForSelector('.overlay polygon.box', { timeout: 120000 });
  const boxes = await page.locator('.overlay polygon.box').count();
  assert.ok(boxes >= 3, `boxes drawn: ${boxes}`);
  await page.locator('.overlay polygon.box').first().hover();
  const info = await page.textContent('.box-info');
  assert.match(info, /신뢰도 \d\.\d{3}/, info);
  const json = JSON.parse(await page.textContent('pre.json'));
  assert.equal(json.images[0].inferResult, 'SUCCESS');
  assert.equal(json.images[0].fields.length, boxes);
  console.log(`e2e: try-it drew ${boxes} boxes; first: ${info}`);
  await shot('try-it');

  // 4. usage: the call just made is counted, with a chart and CSV download
  await page.goto(`${base}/console/#/usage`);
  await page.selectOption('#usage-domain', domainId);
  await page.waitForSelector('#usage-out svg.chart');
  const row = await page.locator('#usage-out tbody tr').first().textContent();
  assert.ok(row.includes('general'), row);
  assert.ok(await page.locator('#usage-out a[download]').count() === 1);
  await shot('usage');

  // 5. users and tokens; the audit log shows the domain creation
  await page.goto(`${base}/console/#/users`);
  await page.waitForSelector('#new-user-name');
  await page.fill('#new-user-name', 'e2e-viewer');
  await page.fill('#new-user-pass', 'viewer password 1');
  await page.locator('form', { has: page.locator('#new-user-name') }).locator('button[type=submit]').click();
  await page.waitForSelector('td:text("e2e-viewer")');
  await shot('users');
  await page.goto(`${base}/console/#/audit`);
  await page.waitForSelector('table td:text("POST /admin/v1/domains")');
  const audit = await page.textContent('table');
  assert.ok(!audit.includes('viewer password 1'), 'no password in the audit log');
  await shot('audit');

  // 6. English
  await page.click('#lang-toggle');
  await page.waitForSelector('h1:text("Audit log")');

  // 7. a viewer sees no create button and no try-it page
  await page.click('#logout');
  await page.waitForSelector('#login-user');
  await page.fill('#login-user', 'e2e-viewer');
  await page.fill('#login-pass', 'viewer password 1');
  await page.press('#login-pass', 'Enter');
  await page.waitForSelector('section.domain');
  assert.equal(await page.locator('#new-domain').count(), 0, 'a viewer cannot create domains');
  assert.equal(await page.locator('nav a[href="#/try"]').count(), 0, 'a viewer has no try-it');
  assert.equal(await page.locator('nav a[href="#/users"]').count(), 0, 'a viewer has no users page');

  assert.deepEqual(outside, [], 'requests to other hosts');
} catch (e) {
  failures.push(e.stack || String(e));
  for (const p of browser.contexts().flatMap((c) => c.pages())) {
    await p.screenshot({ path: path.join(out, 'failure.png'), fullPage: true }).catch(() => {});
  }
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`e2e: FAILED\n${failures.join('\n')}`);
  process.exit(1);
}
console.log('e2e: passed');
