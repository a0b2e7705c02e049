// An administrator publishes a dashboard to the public portal, and anyone opens it without
// signing in: the public page counts only published records marked public (none of the
// internal cases the administrator sees), draws the same maps and tables, is cacheable and
// sets no cookie; unpublishing takes it off the portal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shot, PW, serverAndBrowser } from './harness.mjs';

let server;
let browser;

serverAndBrowser(['adam'], (opened) => {
  ({ server, browser } = opened);
  // The administrator records the cases: victims are confidential by default, and a staff
  // dashboard counts an act only with a victim its reader may see (the creator may).
  server.cli(['demo', 'generate', '--events', '40', '--as', 'adam']);
});

const total = async (page) => Number((await page.locator('.dash-total strong').innerText()).match(/\d+/)[0]);

test('an administrator publishes a dashboard and opens it signed out', async () => {
  const ctx = await browser.newContext({ locale: 'en-GB' });
  const page = await ctx.newPage();
  await page.goto(`${server.base}/login`);
  await page.getByLabel('Username').fill('adam');
  await page.getByLabel('Password').fill(PW);
  await page.getByRole('button', { name: /Sign in/i }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));

  await page.goto(`${server.base}/dashboards`);
  await page.locator('#country').selectOption('PER');
  await page.getByRole('button', { name: /Filter/i }).click();
  await page.waitForURL(/country=PER/);
  const staffTotal = await total(page);
  assert.ok(staffTotal > 0, 'the administrator sees the internal cases');
  const panel = page.getByRole('region', { name: 'Public portal' });
  await panel.getByText('Not published on the portal.').waitFor();
  await panel.getByLabel('Title on the portal').fill('Documented acts in Peru');
  await panel.getByRole('button', { name: 'Publish this dashboard to the public portal' }).click();
  await page.waitForURL(/\/public\/dashboards\/dashboard-documented-acts-in-peru$/);
  const url = page.url();

  // Signed out: the same page for everyone, counted as the public.
  const anon = await browser.newContext({ locale: 'en-GB' });
  const pub = await anon.newPage();
  const res = await pub.goto(url);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['cache-control'], /^public, max-age=\d+/);
  assert.ok(res.headers()['etag']);
  await pub.getByRole('heading', { level: 1, name: 'Documented acts in Peru' }).waitFor();
  assert.equal(await total(pub), 0, 'no internal case reaches the public page');
  assert.ok(await pub.locator('svg[role="img"]').count() >= 1, 'the map');
  assert.ok(await pub.locator('path[data-iso3="PER"]').count() >= 1);
  assert.match(await pub.locator('path[data-iso3="PER"] title').first().textContent(), /Peru: no documented acts/);
  await pub.getByRole('heading', { level: 2, name: 'Maps' }).waitFor();
  assert.equal(await pub.getByRole('button', { name: /Sign out/i }).count(), 0);
  assert.equal(await pub.locator('form[action="/dashboards"]').count(), 0, 'no filter form');
  await shot(pub, 'public-dashboard');
  assert.deepEqual(await anon.cookies(), [], 'public pages set no cookie');
  await pub.goto(`${server.base}/public`);
  await pub.getByRole('link', { name: 'Documented acts in Peru' }).click();
  await pub.waitForURL(url);

  // The staff page now says it is published, and unpublishing removes it.
  await page.goto(`${server.base}/dashboards?country=PER`);
  await panel.getByText(/Published on the portal since/).waitFor();
  await shot(page, 'dashboard-published');
  await panel.getByRole('button', { name: /Unpublish/ }).click();
  await page.waitForURL(/\/dashboards\?country=PER/);
  await panel.getByText('Not published on the portal.').waitFor();
  // (A browser that has the page may keep it for max-age; a fresh visitor gets 404.)
  const fresh = await browser.newContext({ locale: 'en-GB' });
  const gone = await (await fresh.newPage()).goto(url);
  assert.equal(gone.status(), 404);
  await fresh.close();
  await anon.close();
  await ctx.close();
});
