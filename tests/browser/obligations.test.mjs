// Obligations in a real browser: a country profile, the world ratification matrix filtered
// by regional group, and the recommendations list searched and refined by facets after a
// UPR Info import from the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { shot, serverAndBrowser } from './harness.mjs';

const UPR = fileURLToPath(new URL('../../../shared/data/upr/upr-info-sessions-1-5.csv', import.meta.url));
let server;
let browser;

serverAndBrowser([], (opened) => {
  ({ server, browser } = opened);
  const out = server.cli(['import', 'upr-info', UPR]);
  assert.match(out, /created 6094/);
});

test('a country profile shows ratifications, procedures, reports and recommendations', async () => {
  const page = await browser.newPage({ locale: 'en-GB' });
  // Afghanistan was reviewed in session 5, so it has recommendations in this file.
  await page.goto(`${server.base}/obligations/countries/AFG`);
  assert.match(await page.locator('h1').textContent(), /Afghanistan/);
  const rat = page.getByRole('table', { name: /Status of \W*Afghanistan/ });
  await assert.doesNotReject(rat.getByRole('rowheader', { name: 'CAT', exact: true }).waitFor());
  assert.match(await rat.getByRole('row', { name: /^CAT / }).first().textContent(), /Party/);
  // data/treaties/ratifications.csv: AFG,CAT,party,1985-02-04,1987-04-01,ratification,
  // untc2015, as of 2022-08-25; in force from the Convention's own day, 1987-06-26.
  const cat = await rat.getByRole('row', { name: /^CAT / }).first().textContent();
  for (const fact of ['1987-04-01', '(ratification)', '1987-06-26', 'Status as of 2022-08-25, UN Treaty Collection']) {
    assert.ok(cat.includes(fact), `${fact} in ${cat}`);
  }
  await assert.doesNotReject(page.getByRole('heading', { name: 'Complaint and inquiry procedures' }).waitFor());
  // No report of Afghanistan is recorded: estimated due dates, no arrears claimed.
  const reps = page.getByRole('table', { name: /report/i }).filter({ hasText: 'CCPR (ICCPR)' });
  await assert.doesNotReject(reps.getByText('No reporting data recorded').first().waitFor());
  assert.equal(await page.getByText(/Overdue by/).count(), 0);
  // The chart has a text alternative and a data table beside it.
  await assert.doesNotReject(page.getByRole('img', { name: 'Recommendations by mechanism' }).waitFor());
  assert.match(await page.getByRole('table', { name: 'By mechanism' }).textContent(), /UPR/);
  await shot(page, 'obligations-country');
  await page.close();
});

test('the world matrix filters by UN regional group', async () => {
  const page = await browser.newPage({ locale: 'en-GB' });
  await page.goto(`${server.base}/obligations/matrix`);
  // 197 States: the UN members and observers, the Cook Islands and Niue
  // (data/treaties/ratifications.csv).
  await assert.doesNotReject(page.getByText('States: 197').waitFor());
  await page.getByLabel('UN regional group').selectOption('AFRICAN');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/group=AFRICAN/);
  await assert.doesNotReject(page.getByText('States: 54').waitFor());
  assert.equal(await page.getByRole('link', { name: 'France' }).count(), 0);
  await page.getByRole('link', { name: 'Kenya' }).click();
  await page.waitForURL(/\/obligations\/countries\/KEN/);
  await shot(page, 'obligations-matrix');
  await page.close();
});

test('recommendations are searched and refined by facets', async () => {
  const page = await browser.newPage({ locale: 'en-GB' });
  await page.goto(`${server.base}/obligations/recommendations`);
  await assert.doesNotReject(page.getByRole('heading', { name: /^Results: \W*6094\W*$/ }).waitFor());
  await page.getByLabel('Words in the text').fill('torture');
  await page.getByRole('combobox', { name: 'State under review' }).selectOption('AFG');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/q=torture/);
  const heading = page.getByRole('heading', { name: /^Results: \W*\d+\W*$/ });
  const n = Number((await heading.textContent()).match(/\d+/)[0]);
  assert.ok(n > 0 && n < 100, `${n} results for torture in Afghanistan`);
  // Refine by the position of the State.
  await page.getByRole('region', { name: 'Position of the State' }).getByRole('link', { name: 'Supported' }).click();
  await page.waitForURL(/position=supported/);
  const m = Number((await page.getByRole('heading', { name: /^Results: \W*\d+\W*$/ }).textContent()).match(/\d+/)[0]);
  assert.ok(m > 0 && m <= n);
  await page.getByRole('region', { name: 'Position of the State' }).getByRole('link', { name: 'Remove this filter' }).click();
  await page.waitForURL((u) => !u.search.includes('position='));
  await shot(page, 'obligations-recommendations');
  await page.close();
});
