// Shared helpers for the browser tests: start a real `dignity serve` on a free port with a
// fresh data directory, launch Debian's Chromium headless through playwright-core, and
// compute TOTP codes the way an authenticator app does.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import net from 'node:net';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const BIN = process.env.DIGNITY_BIN || new URL('../../target/debug/dignity', import.meta.url).pathname;
export const SHOTS = process.env.DIGNITY_SCREENSHOTS || '';

/** The password of every user the tests add. */
export const PW = 'a long enough passphrase';

/** The staff the tests sign in as, by username: role and display name. */
const STAFF = {
  ada: ['admin', 'Ada Admin'],
  adam: ['admin', 'Adam Min'],
  ana: ['analyst', 'Ana Lyst'],
  cora: ['coordinator', 'Cora Ordin'],
  dora: ['documenter', 'Dora Field'],
};

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Start a server; resolves with { base, setupUrl, dataDir, output(), logs(), cli(args, input),
 * stop() }. `{ demo: true }` starts it with `--demo` (its demonstration data). */
export async function startServer({ demo = false } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'dignity-browser-'));
  const port = await freePort();
  const args = ['serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`];
  if (demo) args.push('--demo');
  const child = spawn(BIN, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DIGNITY_LOG: 'warn' },
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const setupUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}\n${err}`)), demo ? 120000 : 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/(http:\/\/\S+\/setup\?token=\S+)/);
      if (m && out.includes('listening')) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}\n${err}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    setupUrl,
    dataDir,
    /** What the server printed on standard output so far. */
    output: () => out,
    /** What it logged on standard error so far. */
    logs: () => err,
    cli(args, input) {
      return execFileSync(BIN, [...args, '--data-dir', dataDir], { input: input ?? '', encoding: 'utf8' });
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A test file's hooks: before its tests, start a server (`options` as startServer's), add the
 * `staff` (usernames of STAFF, password PW) in that order, launch a browser and hand
 * `{ server, browser }` to `ready` (which may prepare more); after them, close the browser and
 * stop the server. */
export function serverAndBrowser(staff, ready, options) {
  let server;
  let browser;
  before(async () => {
    server = await startServer(options);
    for (const user of staff) {
      const [role, displayName] = STAFF[user];
      server.cli(['user', 'add', user, '--role', role, '--display-name', displayName], PW);
    }
    browser = await launch();
    await ready({ server, browser });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
}

/** Sign `user` in through the login form in a new page of `ctx`; the page, signed in. */
export async function signIn(server, ctx, user, password) {
  const page = await ctx.newPage();
  await page.goto(`${server.base}/login`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: /Sign in/i }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}

/** The date `n` days from today (UTC), as YYYY-MM-DD. */
export function daysFromToday(n) {
  return new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
}

/** Fail with what the page says when a form did not lead where expected. */
export async function expectUrl(page, re) {
  await page.waitForLoadState();
  if (!re.test(page.url())) {
    const msg = await page.locator('.error-summary, .flash-error').allInnerTexts();
    throw new Error(`expected ${re} but at ${page.url()}: ${msg.join(' | ')}`.slice(0, 900));
  }
}

export async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of s.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) continue;
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s), as an authenticator app computes it. */
export function totp(secret, at = Date.now()) {
  const counter = Math.floor(at / 1000 / 30);
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64BE(BigInt(counter));
  const h = createHmac('sha1', base32Decode(secret)).update(buf).digest();
  const o = h[h.length - 1] & 0xf;
  const code = ((h.readUInt32BE(o) & 0x7fffffff) % 1000000).toString().padStart(6, '0');
  return code;
}
