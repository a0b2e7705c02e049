// The foundation as a person uses it, in a real browser: first setup, sign-in with and
// without two-factor authentication, a denied action, the language switch and the
// right-to-left layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shot, totp, PW, serverAndBrowser } from './harness.mjs';

let server;
let browser;

serverAndBrowser([], (opened) => ({ server, browser } = opened));

test('first setup creates the administrator, who then enables two-factor sign-in', async () => {
  const ctx = await browser.newContext({ locale: 'en-GB' });
  const page = await ctx.newPage();
  await page.goto(server.setupUrl);
  await shot(page, 'setup');
  await page.getByLabel('Username').fill('amina');
  await page.getByLabel('Full name').fill('Amina Kamara');
  await page.getByLabel('Password', { exact: true }).fill(PW);
  await page.getByLabel('Repeat the password').fill(PW);
  await page.getByRole('button', { name: /administrator|Create/i }).click();
  await page.waitForURL(/\/account/);
  await assert.doesNotReject(page.getByText('amina').first().waitFor());
  // The username beside the password form is for password managers only: not shown.
  assert.equal(await page.locator('input[autocomplete="username"]').isVisible(), false);
  await shot(page, 'account');

  // Enrol in two-factor authentication: ask for a secret (a POST: opening the page
  // writes nothing), then confirm it with a code from the app.
  await page.getByRole('button', { name: 'Set up two-step verification' }).click();
  await page.waitForURL(/\/account/);
  const secret = (await page.locator('code.secret').first().textContent()).trim();
  await page.locator('#totp-enable-code').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
  await assert.doesNotReject(page.getByText(/recovery/i).first().waitFor());
  await shot(page, 'recovery-codes');

  // Sign out, sign in again: the password alone is not enough.
  await page.getByRole('button', { name: /Sign out/i }).click();
  await page.waitForURL(/\/login/);
  await page.getByLabel('Username').fill('amina');
  await page.getByLabel('Password').fill(PW);
  await page.getByRole('button', { name: /Sign in/i }).click();
  await page.waitForURL(/\/login\/totp/);
  await page.getByLabel(/code/i).fill('000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  await assert.doesNotReject(page.getByRole('alert').first().waitFor());
  await page.getByLabel(/code/i).fill(totp(secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await page.goto(`${server.base}/admin/users`);
  assert.equal(await page.locator('h1').textContent().then((t) => t.trim().length > 0), true);
  await assert.doesNotReject(page.getByText('Amina Kamara').first().waitFor());
  await ctx.close();
});

test('an analyst signs in without 2FA and is refused the administration pages', async () => {
  server.cli(['user', 'add', 'omar', '--role', 'analyst'], `${PW}\n`);
  const ctx = await browser.newContext({ locale: 'en-GB' });
  const page = await ctx.newPage();
  await page.goto(`${server.base}/login`);
  await page.getByLabel('Username').fill('omar');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: /Sign in/i }).click();
  await assert.doesNotReject(page.getByText('Wrong username or password').waitFor());
  await page.getByLabel('Password').fill(PW);
  await page.getByRole('button', { name: /Sign in/i }).click();
  await page.waitForURL(`${server.base}/`);
  const res = await page.goto(`${server.base}/admin/audit`);
  assert.equal(res.status(), 403);
  await shot(page, 'denied');
  // The admin link is not offered to an analyst.
  assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0);
  await ctx.close();
});

test('language follows the browser, can be switched, and Arabic reads right to left', async () => {
  const ctx = await browser.newContext({ locale: 'fr-FR' });
  const page = await ctx.newPage();
  await page.goto(`${server.base}/countries`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
  await assert.doesNotReject(page.getByRole('rowheader', { name: /Sénégal/ }).first().waitFor());
  // Switch with the keyboard-accessible form (no JavaScript needed).
  await page.getByLabel(/Langue/).selectOption('ar');
  await page.locator('form.lang-switch button').click();
  await page.waitForLoadState();
  assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
  assert.equal(await page.locator('html').getAttribute('lang'), 'ar');
  const dir = await page.evaluate(() => getComputedStyle(document.querySelector('main')).direction);
  assert.equal(dir, 'rtl');
  // Text starts at the right edge in RTL: the heading's right side is near the page's.
  const box = await page.locator('h1').boundingBox();
  const width = await page.evaluate(() => document.documentElement.clientWidth);
  assert.ok(box.x + box.width > width * 0.6, `heading starts on the right (x=${box.x}, w=${box.width}, page=${width})`);
  await shot(page, 'countries-ar');
  // The choice is remembered on the next page.
  await page.goto(`${server.base}/instruments`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'ar');
  // The skip link is the first thing the keyboard reaches.
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement.getAttribute('href'));
  assert.equal(focused, '#main');
  await ctx.close();
});
