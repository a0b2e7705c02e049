// Dashboards and reports in a real browser: a documenter filters the dashboard to one
// country (the maps and charts are inline SVG with tables beside them), opens a country
// report, and downloads it as a PDF.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shot, PW, serverAndBrowser } from './harness.mjs';

let server;
let browser;

serverAndBrowser(['dora'], (opened) => {
  ({ server, browser } = opened);
  server.cli(['demo', 'generate', '--events', '60', '--as', 'dora']);
});

test('dashboard, country report and its PDF', async () => {
  const ctx = await browser.newContext({ locale: 'en-GB' });
  const page = await ctx.newPage();
  await page.goto(`${server.base}/login`);
  await page.getByLabel('Username').fill('dora');
  await page.getByLabel('Password').fill(PW);
  await page.getByRole('button', { name: /Sign in/i }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));

  await page.getByRole('link', { name: 'Dashboards' }).first().click();
  await page.waitForURL(/\/dashboards/);
  await page.locator('#country').selectOption('PER');
  await page.getByRole('button', { name: /Filter/i }).click();
  await page.waitForURL(/country=PER/);
  assert.equal(await page.locator('path[data-iso3="PER"]').count() >= 1, true);
  assert.equal(await page.locator('svg[role="img"]').count() >= 3, true);
  assert.match(await page.locator('#by-country-table').innerText(), /Peru/);
  assert.equal(await page.getByRole('link', { name: 'See these records in search' }).getAttribute('href'), '/search?country=PER');
  await shot(page, 'dashboards');

  await page.goto(`${server.base}/reports`);
  await page.locator('#r-country').selectOption('PER');
  await page.getByRole('button', { name: 'Show the report' }).click();
  await page.waitForURL(/\/reports\/country\?country=PER/);
  assert.match(await page.locator('h1').innerText(), /Country report: .*Peru/);
  await shot(page, 'report-country');
  const href = await page.getByRole('link', { name: 'Download this report as PDF' }).getAttribute('href');
  const res = await page.request.get(`${server.base}${href}`);
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['content-type'], 'application/pdf');
  assert.equal((await res.body()).subarray(0, 5).toString(), '%PDF-');
  await ctx.close();
});
