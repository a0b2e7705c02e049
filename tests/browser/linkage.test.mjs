// Record linkage in a real browser, as a documenter reviewing two missing-persons lists: the
// lists are imported, a linkage run proposes pairs, the reviewer opens the queue, accepts
// the most likely pair with the keyboard (the record side by side, agreeing fields marked),
// sees both records on one case, then undoes the merge and finds them separate again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shot, signIn as signInAs, PW, serverAndBrowser } from './harness.mjs';

let server;
let browser;

serverAndBrowser(['dora'], (opened) => ({ server, browser } = opened));

const PEOPLE = [
  ['Agron Krasniqi', '1971-05-04', 'Gjakova', 'M'],
  ['Dragana Jovanović', '1980-02-02', 'Prizren', 'F'],
  ['Besnik Gashi', '1965-02-11', 'Peja', 'M'],
  ['Lirije Berisha', '1990-07-19', 'Ferizaj', 'F'],
  ['Fatmir Hoxha', '1958-12-01', 'Mitrovica', 'M'],
  ['Vjosa Morina', '1984-03-23', 'Gjilan', 'F'],
  ['Milan Petrović', '1962-09-30', 'Istog', 'M'],
  ['Shpresa Kelmendi', '1977-01-15', 'Deçan', 'F'],
  ['Ilir Rexhepi', '1969-06-06', 'Podujeva', 'M'],
  ['Teuta Zeqiri', '1993-10-10', 'Rahovec', 'F'],
];

function list(prefix, from, to) {
  let s = 'external_id,name,birth_date,place,sex\n';
  for (let i = from; i < to; i++) s += `${prefix}-${i},${PEOPLE[i].join(',')}\n`;
  return s;
}

const signIn = (ctx, user) => signInAs(server, ctx, user, PW);

test('a reviewer accepts a pair with the keyboard and undoes it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dignity-linkage-'));
  const ctx = await browser.newContext({ locale: 'en-GB' });
  const page = await signIn(ctx, 'dora');

  // Two lists of missing persons, overlapping on four people.
  for (const [name, kind, prefix, from, to] of [['ICRC', 'red_cross', 'K', 0, 7], ['Commission', 'commission', 'C', 3, 10]]) {
    await page.goto(`${server.base}/protection/sources`);
    await page.locator('#src-name').fill(name);
    await page.locator('#src-kind').selectOption(kind);
    await page.locator('#src-name').press('Enter');
    await page.waitForLoadState();
    const file = join(dir, `${prefix}.csv`);
    writeFileSync(file, list(prefix, from, to));
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
    await row.locator('input[type=file]').setInputFiles(file);
    await row.getByRole('button', { name: 'Import a list' }).click();
    await page.waitForLoadState();
  }

  // The queue, from the navigation.
  await page.getByRole('navigation', { name: /main/i }).getByRole('link', { name: 'Record linkage' }).click();
  await page.waitForURL(/\/stats\/linkage/);
  await page.getByLabel('Records').selectOption('sources');
  await page.getByRole('button', { name: 'Start linkage' }).click();
  await page.waitForURL(/done=run/);
  await assert.doesNotReject(page.getByText('Linkage finished').waitFor());
  await page.getByLabel('Order').selectOption('highest');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/order=highest/);
  const caption = await page.locator('#pairs-caption').innerText();
  assert.match(caption, /Candidate pairs: \d+/);
  await shot(page, 'linkage-queue');

  // The most likely pair, side by side.
  await page.getByRole('link', { name: 'Review the first pair' }).click();
  await page.waitForURL(/\/stats\/linkage\/pairs\/\d+/);
  const pairUrl = page.url().split('?')[0];
  const pairId = pairUrl.split('/').pop();
  const table = page.locator('table.linkage-side');
  const nameRow = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Name' }) });
  const cells = await nameRow.getByRole('cell').allInnerTexts();
  assert.equal(cells[0], cells[1], 'the same name on both lists');
  assert.match(cells[2], /agrees/);
  assert.match(await page.locator('#shortcuts').innerText(), /a same person/);
  await shot(page, 'linkage-pair');

  // Accept with the keyboard: on to the next pair, with an offer to undo.
  await page.locator('h1').click();
  await page.keyboard.press('a');
  await page.waitForURL((u) => u.searchParams.get('done') === 'accepted');
  await assert.doesNotReject(page.getByText('Pair accepted').waitFor());
  assert.notEqual(page.url().split('?')[0], pairUrl);

  // The accepted pair: both records on one case.
  await page.goto(pairUrl);
  assert.equal(await page.locator('#pair-status').innerText(), 'Accepted');
  const caseLinks = await page.locator('a[href^="/protection/missing/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.equal(caseLinks.length, 2);
  assert.equal(caseLinks[0], caseLinks[1]);
  await shot(page, 'linkage-accepted');

  // Undo (keyboard: focus the button, Enter).
  await page.locator('#undo').focus();
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => u.searchParams.get('done') === 'undone');
  assert.equal(await page.locator('#pair-status').innerText(), 'To review');
  const after = await page.locator('a[href^="/protection/missing/"]').count();
  assert.ok(after < 2, 'the records are no longer on one case');

  // The queue of accepted pairs is empty again.
  await page.goto(`${server.base}/stats/linkage?status=accepted`);
  await assert.doesNotReject(page.getByText('No pair here').waitFor());

  // Accept it again, then estimate from the linked lists on the estimates page.
  await page.goto(pairUrl);
  await page.locator('h1').click();
  await page.keyboard.press('a');
  await page.waitForURL((u) => u.searchParams.get('done') === 'accepted');
  await page.goto(`${server.base}/stats/linkage`);
  await page.locator('#ch-name').fill('Kosovo missing persons, linked');
  await page.getByRole('button', { name: 'Build and estimate' }).click();
  await page.waitForURL(/\/estimates\/\d+/);
  await assert.doesNotReject(page.getByRole('heading', { name: 'Kosovo missing persons, linked' }).waitFor());
  // Each list has 7 records; the accepted pair is one person on both lists.
  const patterns = page.locator('table').filter({ has: page.locator('#patterns-caption') });
  const count = async (lists) => patterns.getByRole('row').filter({ has: page.getByRole('rowheader', { name: lists, exact: true }) }).getByRole('cell').innerText();
  assert.equal(await count('Commission + ICRC'), '1');
  assert.equal(await count('Commission'), '6');
  assert.equal(await count('ICRC'), '6');
  await shot(page, 'linkage-estimate');
  await ctx.close();
});
