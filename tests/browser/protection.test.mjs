// Protection in a real browser, as a protection officer works: a threat against a human
// rights defender, a risk assessment, a temporary relocation granted and delivered; then a
// missing person registered from a family's report, two source lists imported (the second
// in Cyrillic script), the second list's record linked from the candidate matches, and a
// change of status refused without evidence and accepted with a reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shot, signIn as signInAs, PW, serverAndBrowser, daysFromToday, expectUrl } from './harness.mjs';

let server;
let browser;

serverAndBrowser(['cora'], (opened) => ({ server, browser } = opened));

const signIn = (ctx, user) => signInAs(server, ctx, user, PW);

test('a threat against a defender, a risk assessment, a relocation granted and delivered', async () => {
  const ctx = await browser.newContext({ locale: 'en-GB' });
  const page = await signIn(ctx, 'cora');
  await page.goto(`${server.base}/protection/defenders`);
  await page.locator('#d-name').fill('Berta Cáceres Flores');
  await page.locator('#d-sex').selectOption({ label: 'Female' });
  await page.locator('#d-age').selectOption('adult');
  await page.locator('#d-org').fill('Consejo Cívico de Pueblos Indígenas');
  await page.locator('#d-country').selectOption('HND');
  await page.locator('#d-region').fill('Intibucá');
  await page.getByLabel('Land, environment and natural resources').check();
  await page.getByLabel('Indigenous peoples').check();
  await page.locator('#d-contact').fill('+504 5555 0101 (Signal)');
  await page.locator('#d-where').fill('La Esperanza, safe house 2');
  await page.locator('#d-cu').selectOption({ label: 'Cora Ordin (cora)' });
  await page.getByRole('button', { name: 'Save' }).click();
  await expectUrl(page, /\/protection\/defenders\/\d+/);
  const defenderUrl = page.url().split('?')[0];
  await assert.doesNotReject(page.getByRole('heading', { level: 1, name: 'Berta Cáceres Flores' }).waitFor());

  // A threat, flagged as a reprisal for cooperating with the UN, with no source yet.
  await page.getByText('Record an attack or threat').click();
  await page.locator('#a-type').selectOption({ label: 'Threats and intimidation' });
  await page.locator('#a-date').fill(daysFromToday(-3));
  await page.locator('#a-place').fill('Outside the council office, La Esperanza');
  await page.locator('#a-desc').fill('Anonymous death threat after her testimony in Geneva');
  await page.getByLabel('Reprisal for cooperation with the UN').check();
  await page.locator('#a-pc').selectOption({ index: 1 });
  await page.locator('#attack-form').getByRole('button', { name: 'Save' }).click();
  await expectUrl(page, /\/protection\/defenders\/\d+/);
  const attacks = page.locator('section[aria-labelledby="attacks-heading"] table tbody tr');
  assert.equal(await attacks.count(), 1);
  const attackRow = await attacks.first().innerText();
  assert.match(attackRow, /Threats and intimidation/);
  assert.match(attackRow, /UN/, 'the reprisal flag is shown');
  // No source yet: the "at least two independent sources" rule is shown, and the attack
  // is marked as not verified.
  await assert.doesNotReject(page.getByText(/verified with at least 2 independent sources/).first().waitFor());
  assert.match(attackRow, /fewer than 2 sources/);

  // Risk assessment: high, two factors, a review in 30 days; the history lists it.
  await page.getByText('Assess the risk').click();
  await page.locator('#r-level').selectOption({ label: 'High' });
  await page.getByLabel('Threats received').check();
  await page.getByLabel('Earlier attacks').check();
  const review = daysFromToday(30);
  await page.locator('#r-next').fill(review);
  await page.locator('#risk-form').getByRole('button', { name: 'Save' }).click();
  await expectUrl(page, /\/protection\/defenders\/\d+/);
  const risk = page.locator('section[aria-labelledby="risk-heading"] table tbody tr');
  assert.equal(await risk.count(), 1);
  assert.match(await risk.first().innerText(), /High/);
  assert.match(await risk.first().innerText(), new RegExp(review));

  // A temporary relocation for eight months: requested, approved (granted), delivered.
  await page.getByText('Request a measure').click();
  await page.locator('#m-type').selectOption({ label: 'Temporary relocation' });
  await page.locator('#m-host').fill('Shelter city programme, Tilburg');
  await page.locator('#m-ps').fill(daysFromToday(10));
  await page.locator('#m-pe').fill(daysFromToday(10 + 240));
  await page.locator('#m-visa').fill('Schengen type D visa, applied for');
  await page.locator('#m-plan').fill('Travel with a staff member; no social media until arrival');
  await page.locator('#measure-form').getByRole('button', { name: 'Save' }).click();
  await expectUrl(page, /\/protection\/defenders\/\d+/);
  const measure = page.locator('article.measure').first();
  assert.match(await measure.locator('h3').innerText(), /Temporary relocation — Requested/);
  await assert.doesNotReject(measure.getByText('Shelter city programme, Tilburg').waitFor());

  await measure.getByLabel('Next step').selectOption({ label: 'Approved' });
  await measure.getByRole('button', { name: 'Apply' }).click();
  await expectUrl(page, /\/protection\/defenders\/\d+/);
  assert.match(await page.locator('article.measure h3').first().innerText(), /Approved/);

  const m2 = page.locator('article.measure').first();
  await m2.getByLabel('Next step').selectOption({ label: 'Delivered' });
  await m2.getByLabel('Cost').fill('4200.50');
  await m2.getByLabel('Currency').fill('EUR');
  await m2.getByRole('button', { name: 'Apply' }).click();
  await expectUrl(page, /\/protection\/defenders\/\d+/);
  const done = page.locator('article.measure').first();
  assert.match(await done.locator('h3').innerText(), /Delivered/);
  assert.match(await done.innerText(), /4200\.50 EUR/);
  assert.equal(await done.locator('ol li').count(), 3, 'requested, approved and delivered are kept');
  await shot(page, 'protection-defender');

  // The encrypted fields are shown to the team, and the profile is on the list.
  await page.goto(defenderUrl);
  await assert.doesNotReject(page.getByText('+504 5555 0101 (Signal)').waitFor());
  await page.goto(`${server.base}/protection/defenders`);
  await assert.doesNotReject(page.getByRole('link', { name: 'Berta Cáceres Flores' }).waitFor());
  await ctx.close();
});

test('a missing person from a family report, two source lists, a link and a status change', async () => {
  const ctx = await browser.newContext({ locale: 'en-GB' });
  const page = await signIn(ctx, 'cora');
  await page.goto(`${server.base}/protection/missing`);
  await page.locator('#m-name').fill('Dragan Jovanović');
  await page.locator('#m-sex').selectOption({ label: 'Male' });
  await page.locator('#m-birth').fill('1971-05-14');
  await page.locator('#m-seen').fill('1999-06');
  await page.locator('#m-place').fill('Orahovac');
  await page.locator('#m-region').fill('Prizren');
  await page.locator('#m-comm').fill('Serbian');
  await page.locator('#m-circ').fill('Taken from the family home by armed men');
  await page.locator('#m-desc').fill('1.80 m, scar on the left hand, blue work jacket');
  await page.locator('#m-rel').fill('Milica Jovanović');
  await page.locator('#m-relship').selectOption({ label: 'Spouse or partner' });
  await page.locator('#m-relc').fill('+381 64 555 0199');
  await page.locator('#m-rep').fill(daysFromToday(-1));
  await page.getByLabel("The authorities' commission").first().check();
  await page.locator('#missing-form').getByRole('button', { name: 'Save' }).click();
  await expectUrl(page, /\/protection\/missing\/\d+/);
  const caseUrl = page.url().split('?')[0];
  assert.match(await page.locator('#status').innerText(), /Missing/);
  assert.match(await page.locator('#consent').innerText(), /commission/);

  // Two sources; the commission's list in Latin script, the Red Cross's in Cyrillic.
  const dir = mkdtempSync(join(tmpdir(), 'dignity-lists-'));
  const first = join(dir, 'commission.csv');
  writeFileSync(first, 'case_no,full_name,dob,place\nKM-0417,Dragan Jovanovic,1971-05-14,Orahovac\nKM-0418,Petar Nikolić,1965,Prizren\n');
  const second = join(dir, 'icrc.csv');
  writeFileSync(second, 'external_id,name,birth_date,place\nICRC-88121,Драган Јовановић,1971,Ораховац\nICRC-88122,Агрон Красничи,1980-02-01,Ђаковица\n');
  await page.goto(`${server.base}/protection/sources`);
  for (const [name, kind] of [['Missing Persons Commission', "Authorities' commission"], ['ICRC tracing list', 'Red Cross / Red Crescent']]) {
    await page.locator('#src-name').fill(name);
    await page.locator('#src-kind').selectOption({ label: kind });
    await page.locator('section[aria-labelledby="newsrc-heading"]').getByRole('button', { name: 'Save' }).click();
    await page.waitForLoadState();
  }
  const row = (name) => page.locator('tr', { has: page.locator('th', { hasText: name }) });
  // The commission's columns have their own names: map them.
  const c = row('Missing Persons Commission');
  await c.locator('input[type=file]').setInputFiles(first);
  await c.locator('summary').click();
  await c.locator('input[name=map_external_id]').fill('case_no');
  await c.locator('input[name=map_name]').fill('full_name');
  await c.locator('input[name=map_birth_date]').fill('dob');
  await c.getByRole('button', { name: 'Import a list' }).click();
  await page.waitForLoadState();
  assert.equal(await page.locator('.error-summary').count(), 0, await page.locator('body').innerText());
  await assert.doesNotReject(page.getByText(/2 new/).first().waitFor());
  // The second list, named like the targets: no mapping needed.
  await row('ICRC tracing list').locator('input[type=file]').setInputFiles(second);
  await row('ICRC tracing list').getByRole('button', { name: 'Import a list' }).click();
  await page.waitForLoadState();
  await assert.doesNotReject(page.getByText(/2 new/).first().waitFor());
  await shot(page, 'protection-sources');

  // A malformed list is refused with the line and the field, and nothing is written.
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'external_id,name,birth_date\nX-1,Ana Petrović,1970-13-45\nX-1,,1970\n');
  await row('ICRC tracing list').locator('input[type=file]').setInputFiles(bad);
  await row('ICRC tracing list').getByRole('button', { name: 'Import a list' }).click();
  await page.waitForLoadState();
  const refused = await page.locator('#import-errors').innerText();
  assert.match(refused, /line 2/i);
  assert.match(refused, /birth_date|Date of birth/);
  assert.match(refused, /line 3/i);

  // On the person page, both records are offered: the Latin one and the Cyrillic one.
  await page.goto(caseUrl);
  const cands = page.locator('section[aria-labelledby="sources-heading"] ul li');
  const texts = await cands.allInnerTexts();
  assert.ok(texts.some((t) => t.includes('Missing Persons Commission')), texts.join('\n'));
  assert.ok(texts.some((t) => t.includes('Драган Јовановић') && t.includes('ICRC tracing list')), texts.join('\n'));
  assert.ok(!texts.some((t) => t.includes('Агрон')), 'an unrelated name is not offered');
  await shot(page, 'protection-candidates');
  for (const src of ['Missing Persons Commission', 'ICRC tracing list']) {
    const li = page.locator('section[aria-labelledby="sources-heading"] ul li', { hasText: src });
    await li.getByRole('button', { name: 'Link' }).click();
    await expectUrl(page, /\/protection\/missing\/\d+/);
  }
  const listed = page.locator('#case-sources tbody tr');
  assert.equal(await listed.count(), 2);
  const listedText = await page.locator('#case-sources').innerText();
  assert.match(listedText, /KM-0417/);
  assert.match(listedText, /ICRC-88121/);

  // A change of status without evidence is refused with a clear message; nothing changes.
  await page.locator('#s-status').selectOption({ label: 'Deceased, identified' });
  await page.locator('#s-on').fill(daysFromToday(-1));
  await page.locator('#status-form').getByRole('button', { name: 'Change the status' }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('.error-summary').innerText(), /evidence/i);
  assert.match(await page.locator('#status').innerText(), /Missing/);
  // With a reference (the DNA report), it is accepted and kept in the history.
  await page.locator('#s-status').selectOption({ label: 'Deceased, identified' });
  await page.locator('#s-on').fill(daysFromToday(-1));
  await page.locator('#s-ref').fill('ICMP DNA match report 2024/1187');
  await page.locator('#s-note').fill('Family informed in person');
  await page.locator('#status-form').getByRole('button', { name: 'Change the status' }).click();
  await expectUrl(page, /\/protection\/missing\/\d+/);
  assert.match(await page.locator('#status').innerText(), /Deceased, identified/);
  const hist = await page.locator('#history tbody').innerText();
  assert.match(hist, /ICMP DNA match report 2024\/1187/);
  assert.match(hist, /Cora Ordin|cora/);
  await shot(page, 'protection-missing');
  await ctx.close();
});
