// Search in a real browser: a documenter records a confidential case, finds the act by
// another romanisation of the victim's name, narrows the results by a facet and opens the
// hit; an analyst who is not on the case's need-to-know list finds nothing, not even in
// the facet counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shot, signIn as signInAs, PW, serverAndBrowser } from './harness.mjs';

const TORTURE = '02011111000004';
let server;
let browser;

serverAndBrowser(['dora', 'ana'], (opened) => ({ server, browser } = opened));

const signIn = (ctx, user) => signInAs(server, ctx, user, PW);

/** Search until the index has caught up with the last commit (it follows within moments). */
async function searchFor(page, q, want) {
  for (let i = 0; i < 20; i++) {
    await page.goto(`${server.base}/search?q=${encodeURIComponent(q)}`);
    if ((await page.locator('.search-hits a[href^="/violations/acts/"]').count()) >= want) return;
    await page.waitForTimeout(250);
  }
}

let actUrl;

test('a documenter finds a confidential act by another spelling of the victim\'s name', async () => {
  const ctx = await browser.newContext({ locale: 'en-GB' });
  const page = await signIn(ctx, 'dora');
  await page.goto(`${server.base}/violations/new`);
  await page.locator('#e-title').fill('Arrest of protesters in Niš');
  await page.locator('#e-start').fill('2024-03-05');
  await page.locator('#e-country').selectOption('SRB');
  await page.locator('#e-conf').selectOption('confidential');
  await page.locator('#a-type').selectOption(TORTURE);
  await page.locator('#v-name').fill('Muhammad al-Hassan');
  await page.locator('#v-sex').selectOption('02000000000039');
  await page.locator('#p-name').fill('Special police unit');
  await page.locator('#p-type').selectOption('01000000000024');
  await page.locator('#s-name').fill('Killa Huaman');
  await page.locator('#s-type').selectOption('09142005180116');
  await page.getByRole('button', { name: 'Save the case' }).click();
  await page.waitForLoadState();
  assert.match(page.url(), /\/violations\/events\/\d+/);
  actUrl = await page.locator('#acts a[href^="/violations/acts/"]').first().getAttribute('href');

  // Another romanisation, another word order of nothing: "Mohammed" finds Muhammad.
  await searchFor(page, 'Mohammed', 1);
  const hit = page.locator(`.search-hits a[href="${actUrl}"]`);
  await assert.doesNotReject(hit.waitFor());
  assert.ok((await page.locator('.search-hits li').count()) >= 2, 'the act and the person');
  await shot(page, 'search-results');

  // Narrow to acts of torture: the facet checkboxes, then Search.
  await page.getByRole('group', { name: 'Type of record' }).getByLabel(/^Act \(/).check();
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForURL(/record_type=act/);
  assert.equal(await page.locator('.search-hits li').count(), 1);
  await assert.doesNotReject(page.getByRole('group', { name: 'Type of act' }).getByText('(1)').waitFor());
  await shot(page, 'search-narrowed');

  // Open the hit.
  await page.locator(`.search-hits a[href="${actUrl}"]`).click();
  await page.waitForURL((u) => u.pathname === actUrl);
  await assert.doesNotReject(page.getByText('Muhammad al-Hassan').first().waitFor());
  await ctx.close();
});

test('an analyst without need-to-know finds nothing and counts nothing', async () => {
  const ctx = await browser.newContext({ locale: 'en-GB' });
  const page = await signIn(ctx, 'ana');
  for (const q of ['Mohammed', 'Muhammad al-Hassan', 'protesters']) {
    await page.goto(`${server.base}/search?q=${encodeURIComponent(q)}`);
    assert.equal(await page.locator('.search-hits a[href^="/violations/"]').count(), 0, q);
  }
  await page.goto(`${server.base}/search?record_type=act`);
  assert.equal(await page.locator('.search-hits li').count(), 0);
  assert.equal(await page.getByRole('group', { name: 'Type of act' }).count(), 0);
  const body = await page.content();
  assert.ok(!body.includes('Muhammad') && !body.includes('Niš'), 'nothing of the case shows');
  await shot(page, 'search-analyst');
  await page.goto(`${server.base}${actUrl}`);
  assert.ok(!(await page.content()).includes('Muhammad'));
  await ctx.close();
});
