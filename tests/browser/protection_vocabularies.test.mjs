// The protection area's vocabularies in a real browser: an administrator edits a term of
// the areas of work (its French translation and its English label) and adds a type of
// attack; the defender form then offers both, in English and in French, and a
// coordinator (not an administrator) can read the lists but not change them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shot, signIn as signInAs, PW, serverAndBrowser, expectUrl } from './harness.mjs';

let server;
let browser;

serverAndBrowser(['ada', 'cora'], (opened) => ({ server, browser } = opened));

const signIn = (ctx, user) => signInAs(server, ctx, user, PW);

/** The labels the defender form offers for areas of work and (on a defender) attack types. */
async function areaLabels(page) {
  await page.goto(`${server.base}/protection/defenders`);
  return page.locator('form fieldset').filter({ has: page.locator('input[name="areas"]') }).locator('label').allInnerTexts();
}

test('an administrator edits an area of work and adds an attack type; the defender form offers them', async () => {
  const ctx = await browser.newContext({ locale: 'en-GB' });
  const page = await signIn(ctx, 'ada');

  // From the protection home to the areas-of-work vocabulary.
  await page.goto(`${server.base}/protection/vocabularies/area`);
  await assert.doesNotReject(page.getByRole('heading', { level: 1 }).waitFor());
  const row = page.locator('#terms tbody tr', { hasText: 'Journalism' }).first();
  const code = (await row.getAttribute('id')).replace(/^term-/, '');
  assert.ok(code, 'the journalism term has a code');

  // Edit its French translation and its English label.
  const panel = page.locator(`#edit-${code}`);
  await panel.locator('summary').click();
  await panel.locator(`#e-${code}-en`).fill('Journalism and media freedom');
  await panel.locator(`#e-${code}-fr`).fill('Journalisme et liberté des médias');
  await panel.getByRole('button', { name: 'Save' }).click();
  await expectUrl(page, /\/protection\/vocabularies\/area/);
  await assert.doesNotReject(page.locator(`#term-${code}`, { hasText: 'Journalisme et liberté des médias' }).waitFor());
  await shot(page, 'protection-vocabulary-area');

  // Add a type of attack: online harassment, mapped to a HURIDOCS type of act (threats),
  // not a UN reprisal.
  await page.goto(`${server.base}/protection/vocabularies/attack`);
  const add = page.locator('#add-term');
  await add.getByLabel('English').fill('Online harassment campaign');
  await add.getByLabel('Français').fill('Campagne de harcèlement en ligne');
  await add.locator('#n-act').fill('02010301000004');
  await add.getByRole('button').click();
  await expectUrl(page, /\/protection\/vocabularies\/attack/);
  await assert.doesNotReject(page.locator('#terms tbody tr', { hasText: 'Online harassment campaign' }).waitFor());
  await shot(page, 'protection-vocabulary-attack');

  // The defender form offers the edited area (and no longer the old label).
  const labels = await areaLabels(page);
  assert.ok(labels.includes('Journalism and media freedom'), labels.join(' | '));
  assert.ok(!labels.includes('Journalism and media'), labels.join(' | '));

  // A coordinator registers a defender working in that area; the attack form offers the
  // new type, and recording one with it works.
  const cctx = await browser.newContext({ locale: 'en-GB' });
  const cora = await signIn(cctx, 'cora');
  await cora.goto(`${server.base}/protection/defenders`);
  await cora.locator('#d-name').fill('Lydia Cacho Ribeiro');
  await cora.locator('#d-sex').selectOption({ label: 'Female' });
  await cora.locator('#d-age').selectOption('adult');
  await cora.locator('#d-country').selectOption('MEX');
  await cora.getByLabel('Journalism and media freedom').check();
  await cora.getByRole('button', { name: 'Save' }).click();
  await expectUrl(cora, /\/protection\/defenders\/\d+/);
  await assert.doesNotReject(cora.getByText('Journalism and media freedom').first().waitFor());
  const offered = (await cora.locator('#a-type option').allTextContents()).map((s) => s.trim());
  assert.ok(offered.includes('Online harassment campaign'), offered.join(' | '));
  await cora.getByText('Record an attack or threat').click();
  await cora.locator('#a-type').selectOption({ label: 'Online harassment campaign' });
  await cora.locator('#a-date').fill(new Date(Date.now() - 86400000).toISOString().slice(0, 10));
  await cora.locator('#a-place').fill('Online');
  await cora.locator('#a-desc').fill('Coordinated posts after her reporting');
  await cora.locator('#a-pc').selectOption({ index: 1 });
  await cora.locator('#attack-form').getByRole('button', { name: 'Save' }).click();
  await expectUrl(cora, /\/protection\/defenders\/\d+/);
  assert.equal(await cora.locator('.error-summary').count(), 0, await cora.locator('.error-summary').allInnerTexts().then((t) => t.join(' | ')));
  await assert.doesNotReject(cora.locator('table', { hasText: 'Online harassment campaign' }).first().waitFor());
  await shot(cora, 'protection-vocabulary-defender');

  // In French, the form offers the French labels.
  await cctx.addCookies([{ name: 'lang', value: 'fr', url: server.base }]);
  await cora.goto(`${server.base}/protection/defenders`);
  const fr = await cora.locator('form fieldset').filter({ has: cora.locator('input[name="areas"]') }).locator('label').allInnerTexts();
  assert.ok(fr.includes('Journalisme et liberté des médias'), fr.join(' | '));

  // The coordinator reads the vocabulary but has no form to change it.
  await cctx.addCookies([{ name: 'lang', value: 'en', url: server.base }]);
  await cora.goto(`${server.base}/protection/vocabularies/attack`);
  await assert.doesNotReject(cora.locator('#terms tbody tr', { hasText: 'Online harassment campaign' }).waitFor());
  assert.equal(await cora.locator('#add-term').count(), 0);
  await ctx.close();
  await cctx.close();
});
