// End-to-end test of the web console in a real Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser download). Run by scripts/e2e.sh against a fresh `jikji serve`:
// log in (keyboard only), create a domain (the secret is shown once), try an image and see its
// boxes (hover shows text and confidence), review it in the OCR Reader (correct a word, see it
// listed, download the searchable PDF and find an OCR word in it with pdftotext), build a template
// on a sample by drawing fields with the mouse (and moving / deleting one by keyboard), save,
// release, test it on a second image of the same form and see its field values, roll back, look
// at usage per day, users and the audit log, switch to English, and check a viewer's pages. Every
// page is saved as a screenshot; no request may leave the server's origin.
//
// Environment: JIKJI_BASE (server URL), JIKJI_E2E_USER / JIKJI_E2E_PASSWORD (an admin),
// JIKJI_E2E_IMAGE (an image to read), JIKJI_E2E_TEMPLATE_SAMPLE / JIKJI_E2E_TEMPLATE_TEST (two
// business-registration certificates of the same form), JIKJI_E2E_ARTIFACTS (screenshot folder),
// JIKJI_CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const base = process.env.JIKJI_BASE;
const user = process.env.JIKJI_E2E_USER;
const password = process.env.JIKJI_E2E_PASSWORD;
const image = process.env.JIKJI_E2E_IMAGE;
const sample = process.env.JIKJI_E2E_TEMPLATE_SAMPLE;
const second = process.env.JIKJI_E2E_TEMPLATE_TEST;
const out = process.env.JIKJI_E2E_ARTIFACTS || 'artifacts';
const batchDir = process.env.JIKJI_E2E_BATCH_DIR;
assert.ok(base && user && password && image && sample && second,
  'JIKJI_BASE, JIKJI_E2E_USER, JIKJI_E2E_PASSWORD, JIKJI_E2E_IMAGE, JIKJI_E2E_TEMPLATE_SAMPLE and JIKJI_E2E_TEMPLATE_TEST are required');
fs.mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.JIKJI_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
const failures = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ko-KR', acceptDownloads: true });
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
  // the whole page, or only `selector` (the template test: the builder above it has its own shot)
  const shot = async (name, selector) => {
    await page.waitForTimeout(150);
    const file = path.join(out, `${name}.png`);
    if (selector) await page.locator(selector).screenshot({ path: file });
    else await page.screenshot({ path: file, fullPage: true });
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

  // 4. the OCR Reader: the result beside its image, a word corrected (listed with its crop), the
  //    searchable PDF downloaded and read back with pdftotext
  const ocrWords = json.images[0].fields.map((f) => f.inferText);
  await page.click('#review-in-reader');
  await page.waitForSelector('#reader-text .word-chip');
  assert.equal(await page.locator('#reader-text .word-chip').count(), boxes);
  const lowCount = await page.locator('#reader-text .word-chip.low').count();
  // the word to correct: the first of two or more characters; another word must stay in the PDF
  const target = ocrWords.findIndex((w) => w.length >= 2);
  const kept = ocrWords.find((w, i) => i !== target && /[가-힣]{2,}/.test(w) && w !== ocrWords[target]);
  assert.ok(target >= 0 && kept, `words to use: ${ocrWords.join(' ')}`);
  await page.locator(`#reader-text .word-chip[data-index="${target}"]`).click();
  await page.waitForSelector('#correct-input');
  await page.fill('#correct-input', 'e2e교정');
  await page.press('#correct-input', 'Enter');
  await page.waitForSelector('#corrections td:text("e2e교정")');
  const corrRow = await page.locator('#corrections tbody tr', { hasText: 'e2e교정' }).textContent();
  assert.ok(corrRow.includes(ocrWords[target]), corrRow);
  assert.ok(await page.locator('#corrections img.crop').evaluate((i) => i.complete && i.naturalWidth > 0), 'the crop is shown');
  assert.equal(await page.locator(`#reader-text .word-chip[data-index="${target}"]`).textContent(), 'e2e교정');
  assert.ok(await page.locator('#export-corrections').getAttribute('href'));
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.click('#download-pdf')]);
  const pdfPath = path.join(out, 'reader.pdf');
  await download.saveAs(pdfPath);
  const pdfText = execFileSync('pdftotext', ['-raw', pdfPath, '-'], { encoding: 'utf8' });
  assert.ok(pdfText.includes(kept), `pdftotext has ${kept}: ${pdfText.slice(0, 300)}`);
  assert.ok(pdfText.includes('e2e교정'), 'the corrected word is in the PDF');
  console.log(`e2e: reader: ${boxes} words (${lowCount} under the review threshold), corrected "${ocrWords[target]}" → "e2e교정"; searchable PDF ${fs.statSync(pdfPath).size} bytes, pdftotext finds "${kept}"`);
  await shot('reader');

  // 5. a template domain and a template built on a sample by drawing fields with the mouse
  await page.goto(`${base}/console/#/domains`);
  await page.click('#new-domain');
  await page.fill('#domain-form input[name=name]', 'e2e 사업자등록증');
  await page.selectOption('#domain-form select[name=kind]', 'template');
  await page.click('#domain-form button[type=submit]');
  await page.waitForSelector('[data-testid=secret] input');
  const tsection = page.locator('section.domain', { hasText: 'e2e 사업자등록증' });
  const tInvoke = await tsection.locator('.invoke input').first().inputValue();
  assert.match(tInvoke, /\/infer$/);
  const tDomainId = tInvoke.match(/\/custom\/v1\/(\d+)\//)[1];
  await page.goto(`${base}/console/#/templates`);
  await page.waitForSelector('#tpl-domain');
  await page.selectOption('#tpl-domain', tDomainId);
  await page.fill('#tpl-name', '사업자등록증 법인');
  await page.setInputFiles('#tpl-sample', sample);
  await page.click('#tpl-read-sample');
  await page.waitForSelector('#builder-svg .sample-word', { timeout: 120000 });
  const sampleWords = await page.locator('#builder-svg .sample-word').count();
  assert.ok(sampleWords >= 20, `sample words drawn: ${sampleWords}`);
  const svgBox = async () => page.locator('#builder-svg').boundingBox();
  const sampleW = Number((await page.getAttribute('#builder-svg', 'viewBox')).split(' ')[2]);
  // drags from (x0,y0) to (x1,y1) in sample pixels
  const drag = async (x0, y0, x1, y1) => {
    const b = await svgBox();
    const k = b.width / sampleW;
    await page.mouse.move(b.x + x0 * k, b.y + y0 * k);
    await page.mouse.down();
    await page.mouse.move(b.x + ((x0 + x1) / 2) * k, b.y + ((y0 + y1) / 2) * k, { steps: 3 });
    await page.mouse.move(b.x + x1 * k, b.y + y1 * k, { steps: 3 });
    await page.mouse.up();
  };
  // (the synthetic form's boxes: registration number 590,392-843,421; representative 469,570-564,602;
  // company 469,504-850,536; title 336,196-881,270)
  await page.locator('#builder-svg').scrollIntoViewIfNeeded();
  await drag(560, 378, 900, 434);
  await drag(455, 556, 700, 614);
  await drag(455, 492, 980, 548);
  await drag(320, 182, 900, 284);
  assert.equal(await page.locator('#builder-svg rect.region').count(), 4, 'four regions drawn');
  // move the last one with the mouse and back by keyboard, resize by keyboard, then mark it as title
  const last = page.locator('#builder-svg rect.region[data-index="3"]');
  const x0 = Number(await last.getAttribute('x'));
  await last.focus();
  await page.keyboard.press('Control+ArrowRight');
  assert.equal(Number(await page.locator('#builder-svg rect.region[data-index="3"]').getAttribute('x')), x0 + 10, 'Ctrl+→ moves 10 px');
  await page.keyboard.press('Control+ArrowLeft');
  const w0 = Number(await page.locator('#builder-svg rect.region[data-index="3"]').getAttribute('width'));
  await page.keyboard.press('Shift+ArrowRight');
  assert.equal(Number(await page.locator('#builder-svg rect.region[data-index="3"]').getAttribute('width')), w0 + 1, 'Shift+→ widens');
  await page.locator('[data-region="3"] .region-title').check();
  // a stray region drawn and removed with Delete
  await drag(900, 110, 1050, 170);
  assert.equal(await page.locator('#builder-svg rect.region').count(), 5);
  await page.locator('#builder-svg rect.region[data-index="4"]').focus();
  await page.keyboard.press('Delete');
  assert.equal(await page.locator('#builder-svg rect.region').count(), 4, 'Delete removes the region');
  await page.locator('[data-region="0"] .region-name').fill('registerNumber');
  await page.locator('[data-region="1"] .region-name').fill('repName');
  await page.locator('[data-region="2"] .region-name').fill('corpName');
  await page.locator('[data-region="0"] .region-type').selectOption('ALL');
  await page.locator('[data-region="1"] .region-type').selectOption('HANGUL');
  await page.click('#tpl-save');
  await page.waitForSelector('#tpl-list td:text("사업자등록증 법인")', { timeout: 120000 });
  await page.click('#tpl-release');
  await page.waitForSelector('#tpl-list tbody tr td:nth-child(4):text-is("1")');
  console.log(`e2e: template drawn on ${path.basename(sample)} (${sampleWords} sample words), saved and released`);
  await shot('template-builder');

  // 6. the template read on a second image of the same form: its fields drawn and listed
  await page.setInputFiles('#tpl-test-file', second);
  await page.click('#tpl-test-run');
  await page.waitForSelector('#test-verdict', { timeout: 120000 });
  const verdict = await page.textContent('#test-verdict');
  assert.ok(verdict.startsWith('일치'), verdict);
  const values = Object.fromEntries(await page.locator('#test-result tbody tr').evaluateAll((rows) =>
    rows.map((r) => [r.cells[0].textContent, r.cells[1].textContent])));
  console.log(`e2e: template test on ${path.basename(second)}: ${verdict}; ${JSON.stringify(values)}`);
  assert.match(values.registerNumber || '', /253-?81-?00205/, 'registration number read');
  assert.ok((values.repName || '').includes('정나섭'), `representative: ${values.repName}`);
  assert.ok(await page.locator('#test-result svg polygon.box').count() >= 3, 'the matched fields drawn');
  await shot('template-test', '#tpl-test');
  // a second version (a field renamed), released, then rolled back to the first
  await page.locator('[data-region="2"] .region-name').fill('companyName');
  await page.click('#tpl-save');
  await page.waitForSelector('#tpl-list tbody tr td:nth-child(3):text-is("2")', { timeout: 60000 });
  await page.click('#tpl-release');
  await page.waitForSelector('#tpl-list tbody tr td:nth-child(4):text-is("2")');
  await page.click('#tpl-rollback');
  await page.waitForSelector('#tpl-list tbody tr td:nth-child(4):text-is("1")');
  console.log('e2e: template v2 saved and released, rolled back to v1');

  // 7. usage per day: today's calls, chart, table and CSV
  await page.goto(`${base}/console/#/usage`);
  await page.selectOption('#usage-domain', domainId);
  await page.waitForSelector('#usage-out #usage-chart rect.bar-calls');
  const today = new Date().toISOString().slice(0, 10);
  const row = await page.locator('#usage-out tbody tr', { hasText: today }).first().textContent();
  assert.ok(row.includes('general'), row);
  assert.ok(await page.locator('#usage-daily-csv[download]').count() === 1);
  await shot('usage');

  // 7b. a batch job over a server folder of two images: the list shows it run to done (2/2),
  // and each input's result JSON lies in the output folder
  await page.goto(`${base}/console/#/batch`);
  await page.waitForSelector('form select[name=domain]');
  await page.selectOption('form select[name=domain]', domainId);
  await page.selectOption('form select[name=source-kind]', 'folder');
  await page.fill('form input[name=source-folder]', path.join(batchDir, 'in'));
  await page.selectOption('form select[name=output-kind]', 'folder');
  await page.fill('form input[name=output-folder]', path.join(batchDir, 'out'));
  await page.click('form button[type=submit]');
  await page.waitForSelector('#batch-jobs [data-state=done]', { timeout: 180000 });
  const jobRow = await page.locator('#batch-jobs tbody tr').first().textContent();
  assert.ok(jobRow.includes('2/2'), jobRow);
  for (const name of ['a.jpg.json', 'b.jpg.json']) {
    const result = JSON.parse(fs.readFileSync(path.join(batchDir, 'out', name), 'utf8'));
    assert.equal(result.images[0].inferResult, 'SUCCESS', `${name}: ${JSON.stringify(result).slice(0, 200)}`);
  }
  console.log(`e2e: batch job done in the console: ${jobRow.replace(/\s+/g, ' ').slice(0, 120)}`);
  await shot('batch');

  // 8. users and tokens; the audit log shows the domain creation
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

  // 9. English
  await page.click('#lang-toggle');
  await page.waitForSelector('h1:text("Audit log")');

  // 10. a viewer sees no create button and no try-it page
  await page.click('#logout');
  await page.waitForSelector('#login-user');
  await page.fill('#login-user', 'e2e-viewer');
  await page.fill('#login-pass', 'viewer password 1');
  await page.press('#login-pass', 'Enter');
  await page.waitForSelector('section.domain');
  assert.equal(await page.locator('#new-domain').count(), 0, 'a viewer cannot create domains');
  assert.equal(await page.locator('nav a[href="#/try"]').count(), 0, 'a viewer has no try-it');
  assert.equal(await page.locator('nav a[href="#/users"]').count(), 0, 'a viewer has no users page');
  await page.goto(`${base}/console/#/templates`);
  await page.waitForSelector('#tpl-list td');
  assert.equal(await page.locator('#tpl-save, #tpl-read-sample, #tpl-release').count(), 0, 'a viewer cannot change templates');
  await page.goto(`${base}/console/#/reader`);
  await page.waitForSelector('#corrections');
  assert.equal(await page.locator('#corrections button.danger').count(), 0, 'a viewer cannot delete corrections');

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
