// Documenting a full case in a real browser, as a field officer would: the event, two acts,
// the victim, the perpetrator, the source, an urgent appeal with its 60-day reply clock and
// an evidence file (its SHA-256 checked against sha256sum); then the same case as an
// analyst, who sees it without the victim's identity and without the forms to change it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shot, signIn as signInAs, PW, serverAndBrowser, daysFromToday } from './harness.mjs';

let server;
let browser;

serverAndBrowser(['dora', 'ana'], (opened) => ({ server, browser } = opened));

const signIn = (ctx, user) => signInAs(server, ctx, user, PW);

let eventUrl;
let evidenceUrl;

test('a documenter records a whole case', async () => {
  const ctx = await browser.newContext({ locale: 'en-GB' });
  const page = await signIn(ctx, 'dora');
  await page.goto(`${server.base}/violations/new`);
  await shot(page, 'violations-entry');
  // 1-5: event, act, victim, perpetrator, source in one form, keyboard-friendly fields.
  await page.locator('#e-title').fill('Raid on the Hope Clinic');
  await page.locator('#e-start').fill('2024-03-05');
  await page.locator('#e-country').selectOption('PER');
  await page.locator('#e-admin').fill('Cusco');
  await page.locator('#a-type').selectOption('03010100000004');
  await page.locator('#v-name').fill('Amaru Quispe Mamani');
  await page.locator('#v-sex').selectOption('02000000000039');
  await page.locator('#p-name').fill('Special Operations Unit');
  await page.locator('#p-type').selectOption('01000000000024');
  await page.locator('#s-name').fill('Killa Huaman');
  await page.locator('#s-type').selectOption('09142005180116');
  await page.getByRole('button', { name: 'Save the case' }).click();
  await page.waitForLoadState();
  if (!/\/violations\/events\/\d+/.test(page.url())) {
    throw new Error(`not saved: ${page.url()} ${await page.locator(".error-summary, .notice").first().innerText()}`.slice(0, 900));
  }
  eventUrl = page.url().split('?')[0];
  await assert.doesNotReject(page.getByRole('cell', { name: 'Special Operations Unit' }).waitFor());

  // The second act, on the same victim, picked by number.
  const victimHref = await page.locator('#acts a[href^="/violations/persons/"]').first().getAttribute('href');
  const victimId = victimHref.split('/').pop();
  await page.locator('#act-type').selectOption('02011111000004');
  await page.locator('#act-victim').fill(`#${victimId} — Amaru Quispe Mamani`);
  await page.locator('#act-start').fill('2024-03-06');
  await page.locator('#act-perp').fill('Special Operations Unit');
  await page.getByRole('button', { name: 'Add an act' }).click();
  await page.waitForURL(/flash=saved/);
  assert.equal(await page.locator('#acts tbody tr').count(), 2);
  assert.equal(await page.locator('#acts a[href^="/violations/persons/"]').first().textContent(), 'Amaru Quispe Mamani');

  // An urgent appeal sent 50 days ago: its reply is due in 10 days.
  const sent = daysFromToday(-50);
  const due = daysFromToday(10);
  await page.locator('#int-type').selectOption('urgent_appeal');
  await page.locator('#int-date').fill(sent);
  await page.locator('#int-to').fill('Special Rapporteur on torture');
  await page.getByRole('button', { name: 'Add an intervention' }).click();
  await page.waitForURL(/flash=saved/);
  await assert.doesNotReject(page.getByText(`reply due ${due}`).waitFor());
  await page.goto(`${server.base}/violations/due`);
  await assert.doesNotReject(page.getByRole('link', { name: 'Urgent appeal' }).waitFor());
  await assert.doesNotReject(page.getByText('Due in 10 days').waitFor());
  await shot(page, 'violations-due');

  // An evidence file: the hash shown is the one sha256sum computes.
  const dir = mkdtempSync(join(tmpdir(), 'dignity-ev-'));
  const file = join(dir, 'clinic-video.bin');
  writeFileSync(file, Buffer.alloc(3_000_000, 'Hope Clinic raid footage '));
  const expected = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
  await page.goto(eventUrl);
  await page.locator('#ev-title').fill('Video of the raid');
  await page.locator('#ev-file').setInputFiles(file);
  await page.locator('#ev-from').fill('Killa Huaman');
  await page.locator('#ev-how').fill('Handed over on a USB stick');
  await page.locator('#ev-conf').selectOption('internal');
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.waitForURL(/\/violations\/evidence\/\d+/);
  evidenceUrl = page.url().split('?')[0];
  assert.equal((await page.locator('code.sha256').textContent()).trim(), expected);
  await assert.doesNotReject(page.getByRole('cell', { name: 'Acquired', exact: true }).waitFor());
  await shot(page, 'violations-evidence');
  await ctx.close();
});

test('a documenter corrects an act through its edit form', async () => {
  const ctx = await browser.newContext({ locale: 'en-GB' });
  const page = await signIn(ctx, 'dora');
  await page.goto(eventUrl);
  // The second act (by date) is the torture one added on the event page.
  await page.locator('#acts tbody th a[href^="/violations/acts/"]').nth(1).click();
  await page.waitForURL(/\/violations\/acts\/\d+$/);
  const actUrl = page.url();
  await page.getByRole('link', { name: /^Edit act \d+$/ }).click();
  await page.waitForURL(/\/edit$/);
  // The form opens with the act's values; the victim is picked as "#id — name".
  assert.match(await page.getByLabel('Victim', { exact: true }).inputValue(), /^#\d+ — Amaru Quispe Mamani$/);
  assert.equal(await page.getByLabel('Start date').inputValue(), '2024-03-06');
  // A wrong end date: the field is marked and what was typed stays.
  await page.getByLabel('End date').fill('2024-03-01');
  await page.getByLabel('Consequences').fill('Two broken ribs; no medical care for four days');
  await page.getByLabel('Medical attention').selectOption({ index: 1 });
  await page.getByRole('button', { name: 'Save the changes' }).click();
  await page.waitForLoadState();
  await assert.doesNotReject(page.getByRole('alert').getByText(/before the start/).waitFor());
  assert.equal(await page.getByLabel('End date').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Consequences').inputValue(), 'Two broken ribs; no medical care for four days');
  await shot(page, 'violations-edit-act-error');
  await page.getByLabel('End date').fill('2024-03-09');
  await page.getByRole('button', { name: 'Save the changes' }).click();
  await page.waitForURL(/flash=saved/);
  assert.equal(page.url().split('?')[0], actUrl);
  await assert.doesNotReject(page.getByText('Two broken ribs; no medical care for four days').waitFor());
  await assert.doesNotReject(page.getByText('2024-03-06 – 2024-03-09').waitFor());
  await shot(page, 'violations-act-edited');
  await ctx.close();
});

test('an analyst reads the event without the acts that would disclose a confidential victim, and cannot change it', async () => {
  const ctx = await browser.newContext({ locale: 'en-GB' });
  const page = await signIn(ctx, 'ana');
  await page.goto(eventUrl);
  // The victim is confidential and the analyst is not on its list: an act discloses its
  // victim, so neither act is shown (issue 15, hole 4), and the name appears nowhere.
  assert.equal(await page.locator('#acts tbody tr').count(), 0);
  const body = await page.content();
  assert.ok(!body.includes('Amaru'), 'the victim is not named');
  assert.equal(await page.getByRole('button', { name: 'Add an act' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: /^Edit/ }).count(), 0);
  await shot(page, 'violations-event-analyst');
  await page.goto(evidenceUrl);
  await assert.doesNotReject(page.getByRole('link', { name: 'Download the file' }).waitFor());
  const download = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the file' }).click()]);
  assert.ok(await download[0].path());
  await page.reload();
  await assert.doesNotReject(page.getByRole('cell', { name: 'Downloaded', exact: true }).waitFor());
  await page.goto(`${server.base}/violations/lenses/torture`);
  await assert.doesNotReject(page.getByRole('link', { name: 'Raid on the Hope Clinic' }).waitFor());
  await ctx.close();
});
