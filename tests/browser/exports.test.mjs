// Search → facet → export in a real browser, as an analyst would: sign in, search, narrow
// the results by a facet, download the CSV export and check its rows; then open the public
// portal without signing in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { shot, signIn, PW, serverAndBrowser } from './harness.mjs';

let server;
let browser;

serverAndBrowser(['ana', 'adam'], (opened) => ({ server, browser } = opened));

function parseCsv(text) {
  // Plain CSV of the export: quoted fields may hold commas and doubled quotes.
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; }
    else if (c !== '\r') cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

test('an analyst searches, narrows by a facet and exports CSV', async () => {
  const ctx = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
  const page = await ctx.newPage();
  await page.goto(`${server.base}/login`);
  await page.getByLabel('Username').fill('ana');
  await page.getByLabel('Password').fill(PW);
  await page.getByRole('button', { name: /Sign in/i }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));

  await page.goto(`${server.base}/search`);
  await page.getByLabel('Words or names').fill('republic');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForURL(/q=republic/);
  const all = await page.getByRole('heading', { level: 2, name: /Results: \d+/ }).textContent();
  const total = Number(all.match(/\d+/)[0]);
  assert.ok(total > 5, all);

  // Narrow to one region (a facet checkbox), then search again.
  await page.getByRole('group', { name: 'Region' }).getByLabel(/^Europe/).check();
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForURL(/region=Europe/);
  const narrowed = await page.getByRole('heading', { level: 2, name: /Results: \d+/ }).textContent();
  const n = Number(narrowed.match(/\d+/)[0]);
  assert.ok(n > 0 && n < total, `${narrowed} of ${total}`);
  await shot(page, 'search-export');

  // Export as CSV: the form carries the words and the facet.
  await page.getByLabel('File format').selectOption('csv');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^dignity-export-.*\.csv$/);
  const rows = parseCsv(readFileSync(await download.path(), 'utf8'));
  const [head, ...body] = rows;
  assert.deepEqual(head.slice(0, 4), ['record_type', 'id', 'pseudonym', 'title']);
  assert.equal(body.length, n, 'one row per result');
  const region = head.indexOf('region');
  for (const r of body) {
    assert.equal(r[region], 'Europe', r.join(','));
    assert.match(r[head.indexOf('pseudonym')], /^P-[0-9A-F]{8}$/);
  }
  for (const r of body) {
    assert.equal(r[0], 'country');
    assert.match(r[head.indexOf('id')], /^[A-Z]{3}$/);
    assert.match(r[head.indexOf('title')].toLowerCase(), /republic/);
  }
  await ctx.close();
});

test('an administrator puts a country profile on the portal, which opens without signing in', async () => {
  // Not on the portal until an administrator chooses it, on the country's page.
  const admin = await browser.newContext({ locale: 'en-GB' });
  const ap = await signIn(server, admin, 'adam', PW);
  await ap.goto(`${server.base}/obligations/countries/SRB`);
  const panel = ap.getByRole('region', { name: 'Public portal — country profile' });
  await panel.getByText('Not published on the portal.').waitFor();
  await panel.getByRole('button', { name: 'Publish to the public portal' }).click();
  await ap.waitForURL(/\/obligations\/countries\/SRB/);
  await ap.getByText(/Published on the portal since/).waitFor();
  await admin.close();

  const ctx = await browser.newContext({ locale: 'en-GB' });
  const page = await ctx.newPage();
  assert.equal((await page.goto(`${server.base}/public/countries/FRA`)).status(), 404, 'France was not published');
  const res = await page.goto(`${server.base}/public`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['cache-control'], /^public, max-age=\d+/);
  await page.getByRole('heading', { level: 1, name: 'Public information' }).waitFor();
  await page.getByLabel('Country', { exact: true }).selectOption('SRB');
  await page.getByRole('button', { name: 'Open the profile' }).click();
  await page.waitForURL(/\/public\/countries\/SRB$/);
  await page.getByRole('heading', { level: 1, name: 'Serbia' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Ratifications' }).waitFor();
  await shot(page, 'public-country');
  const cookies = await ctx.cookies();
  assert.deepEqual(cookies, [], 'public pages set no cookie');
  assert.equal(await page.getByRole('button', { name: /Sign out/i }).count(), 0);
  await ctx.close();
});
