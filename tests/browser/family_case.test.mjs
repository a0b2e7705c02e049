// The family case view in a real browser: a coordinator records two missing persons, a
// change of status with its reference, and gives one family a link; the family member,
// with no account and no session, sees the status and the history of that case only —
// no relatives, contact details, references, staff or other cases — and cannot reach
// another case: a staff URL asks for sign-in, an altered or revoked link is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shot, signIn as signInAs, PW, serverAndBrowser, daysFromToday, expectUrl } from './harness.mjs';

let server;
let browser;

serverAndBrowser(['cora'], (opened) => ({ server, browser } = opened));

const signIn = (ctx, user) => signInAs(server, ctx, user, PW);

async function newCase(page, { name, relative, contact, place }) {
  await page.goto(`${server.base}/protection/missing`);
  await page.locator('#m-name').fill(name);
  await page.locator('#m-seen').fill('1999-06');
  await page.locator('#m-place').fill(place);
  await page.locator('#m-region').fill('Prizren');
  await page.locator('#m-circ').fill('Taken from the family home by armed men');
  await page.locator('#m-rel').fill(relative);
  await page.locator('#m-relship').selectOption({ label: 'Spouse or partner' });
  await page.locator('#m-relc').fill(contact);
  await page.locator('#m-rep').fill(daysFromToday(-30));
  await page.locator('#missing-form').getByRole('button', { name: 'Save' }).click();
  await expectUrl(page, /\/protection\/missing\/\d+/);
  return page.url().split('?')[0];
}

test('a family member sees their case only, and nothing else', async () => {
  const staff = await browser.newContext({ locale: 'en-GB' });
  const page = await signIn(staff, 'cora');
  const caseA = await newCase(page, { name: 'Dragan Jovanović', relative: 'Milica Jovanović', contact: '+381 64 555 0199', place: 'Orahovac' });
  const caseB = await newCase(page, { name: 'Agron Krasniqi', relative: 'Shpresa Krasniqi', contact: '+383 44 555 0123', place: 'Gjakova' });

  // Case A: remains identified, with the DNA report as reference.
  await page.goto(caseA);
  await page.locator('#s-status').selectOption({ label: 'Deceased, identified' });
  await page.locator('#s-on').fill(daysFromToday(-2));
  await page.locator('#s-ref').fill('ICMP DNA match report 2024/1187');
  await page.locator('#s-note').fill('Family informed in person by Cora');
  await page.locator('#status-form').getByRole('button', { name: 'Change the status' }).click();
  await expectUrl(page, /\/protection\/missing\/\d+/);
  assert.match(await page.locator('#status').innerText(), /Deceased, identified/);

  // The coordinator creates the family's link; it is shown once.
  await page.locator('#fl-rel').selectOption({ label: 'Milica Jovanović' });
  await page.locator('#fl-days').fill('30');
  await page.getByRole('button', { name: 'Create a link' }).click();
  await expectUrl(page, /\/protection\/missing\/\d+/);
  const link = (await page.locator('#family-link').innerText()).trim();
  assert.match(link, /^\/family\/[A-Za-z0-9_-]{40,}$/);

  // The family member: a browser with no account and no session.
  const family = await browser.newContext({ locale: 'en-GB' });
  const fpage = await family.newPage();
  const res = await fpage.goto(`${server.base}${link}`);
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['referrer-policy'], 'no-referrer');
  assert.match(res.headers()['cache-control'] ?? '', /no-store/);
  await assert.doesNotReject(fpage.getByRole('heading', { name: "Your family member's case" }).waitFor());
  await assert.doesNotReject(fpage.getByRole('heading', { name: 'Dragan Jovanović' }).waitFor());
  assert.match(await fpage.locator('#family-status').innerText(), /Deceased, identified/);
  const history = fpage.getByRole('table', { name: 'Status history' });
  const rows = await history.locator('tbody tr').allInnerTexts();
  assert.ok(rows.some((r) => /Deceased, identified/.test(r)), rows.join('\n'));
  assert.ok(rows.some((r) => r.includes(daysFromToday(-2))), rows.join('\n'));
  const text = await fpage.locator('body').innerText();
  for (const hidden of ['Milica', '+381', 'ICMP', 'Cora', 'Orahovac', 'armed men', 'Agron', 'Krasniqi', 'Shpresa']) {
    assert.ok(!text.includes(hidden), `the family page shows ${hidden}`);
  }
  // No way from this page to anything else: no links into the staff pages.
  const hrefs = await fpage.locator('main a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(!hrefs.some((h) => h && h.startsWith('/protection')), hrefs.join(' '));
  await shot(fpage, 'family-case');

  // Another case's URL: the staff page asks to sign in and shows nothing of it.
  await fpage.goto(caseB);
  assert.match(new URL(fpage.url()).pathname, /^\/login/);
  assert.ok(!(await fpage.locator('body').innerText()).includes('Agron'));
  // An altered link is refused with a neutral message.
  const altered = link.slice(0, -3) + (link.endsWith('AAA') ? 'BBB' : 'AAA');
  const bad = await fpage.goto(`${server.base}${altered}`);
  assert.equal(bad.status(), 404);
  assert.match(await fpage.locator('body').innerText(), /not valid/);
  assert.ok(!(await fpage.locator('body').innerText()).includes('Dragan'));

  // The coordinator sees the link's use and revokes it; the family's link then stops.
  await page.goto(caseA);
  await page.locator('section[aria-labelledby="links-heading"]').getByRole('button', { name: 'Revoke' }).click();
  await expectUrl(page, /\/protection\/missing\/\d+/);
  const revoked = await fpage.goto(`${server.base}${link}`);
  assert.equal(revoked.status(), 404);
  assert.ok(!(await fpage.locator('body').innerText()).includes('Dragan'));
  await family.close();
  await staff.close();
});
