// A tour of the whole application as a person trying it sees it: `dignity serve --demo`, signed
// in as the demo coordinator, every main page in English and in Arabic (right to left). Each
// page must answer, have one main landmark and one level-1 heading, name every form control
// (label, aria-label or aria-labelledby), give every data table a header cell, and show no
// untranslated message key; the server must not have logged a missing translation. The demo
// data must put something on the pages of every area.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shot, serverAndBrowser } from './harness.mjs';

let server;
let browser;

serverAndBrowser([], (opened) => ({ server, browser } = opened), { demo: true });

// [path, text the demo data must put on the page (English run only)]
const PAGES = [
  ['/', null],
  ['/countries', null],
  ['/instruments', 'ICCPR'],
  ['/vocabularies', null],
  ['/obligations/matrix', null],
  ['/obligations/countries/PHL', 'Partially implemented'],
  ['/obligations/countries/PHL/deadlines', null],
  ['/obligations/countries/PHL/follow-up?body=UPR', null],
  ['/obligations/mandates', null],
  ['/obligations/recommendations?country=PHL', 'torture'],
  ['/violations', 'Death sentence after a trial based on a coerced confession'],
  ['/violations/lenses/death_penalty', 'Appeal pending'],
  ['/violations/due?scope=all', 'Overdue by 15 days'],
  ['/violations/persons', null],
  ['/search?q=appeal', null],
  ['/dashboards', null],
  ['/reports', null],
  ['/protection', null],
  ['/protection/defenders', 'Marisol Quispe Huamán'],
  ['/protection/missing', 'Agron Krasniqi'],
  ['/protection/sources', 'Драган Петровић'],
  ['/protection/reports', null],
  // The demo's killed defender has his family's consent but is not published (the memorial
  // names only published, public, consented profiles): the page opens without his name.
  ['/protection/memorial', null],
  ['/stats/linkage', null],
  ['/estimates', null],
  ['/account', null],
  ['/public', null],
  ['/public/countries/PHL', null],
];

async function checkPage(page, path, lang) {
  const res = await page.goto(`${server.base}${path}`);
  assert.equal(res.status(), 200, `${lang} ${path}: status`);
  const facts = await page.evaluate(() => {
    const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    const unnamed = [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
      // A field hidden from everyone (e.g. the username for password managers) needs no name.
      .filter((el) => !el.hidden && el.getAttribute('aria-hidden') !== 'true')
      .filter((el) => {
        if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.title) return false;
        if (el.labels && el.labels.length > 0) return false;
        return true;
      })
      .map((el) => `${el.tagName.toLowerCase()}[name=${el.name}]${visible(el) ? '' : ' (hidden)'}`);
    const tables = [...document.querySelectorAll('table')].filter((t) => !t.querySelector('th')).length;
    return {
      lang: document.documentElement.lang,
      dir: document.documentElement.dir || 'ltr',
      mains: document.querySelectorAll('main').length,
      h1s: document.querySelectorAll('h1').length,
      unnamed,
      tablesWithoutHeaders: tables,
      text: document.body.innerText,
    };
  });
  assert.equal(facts.lang, lang, `${path}: <html lang>`);
  assert.equal(facts.dir, lang === 'ar' ? 'rtl' : 'ltr', `${path}: direction`);
  assert.equal(facts.mains, 1, `${lang} ${path}: one <main>`);
  assert.equal(facts.h1s, 1, `${lang} ${path}: one <h1>`);
  assert.deepEqual(facts.unnamed, [], `${lang} ${path}: form controls without a name`);
  assert.equal(facts.tablesWithoutHeaders, 0, `${lang} ${path}: tables without header cells`);
  // An untranslated message key reads like `vio.field.int_type`.
  const keys = facts.text.match(/\b(?:nav|vio|pro|obl|rep|stats|search|portal|common|form|field|home|layout|vocab|export|table|error)\.[a-z_]+(?:\.[a-z_0-9]+)*\b/g) || [];
  assert.deepEqual(keys, [], `${lang} ${path}: message keys shown as text`);
  return facts.text;
}

test('every main page of the demo, in English and in Arabic, as the demo coordinator', async () => {
  const out = server.output();
  const pw = out.match(/with the password: (\S+)/)?.[1];
  assert.ok(pw, `the demo prints the demo accounts' password: ${out}`);
  const page = await browser.newPage();
  await page.goto(`${server.base}/login`);
  await page.getByLabel('Username').fill('demo-coordinator');
  await page.getByLabel('Password').fill(pw);
  await page.locator('main button[type=submit]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));

  for (const [path, expected] of PAGES) {
    const text = await checkPage(page, path, 'en');
    if (expected) assert.ok(text.includes(expected), `${path} shows ${expected}`);
  }
  await shot(page, 'tour-en-last');
  await page.goto(`${server.base}/lang?to=ar&back=/`);
  for (const [path] of PAGES) {
    await checkPage(page, path, 'ar');
  }
  await page.goto(`${server.base}/violations/events/41`);
  await shot(page, 'tour-ar-event');
  assert.doesNotMatch(server.logs(), /missing translation/, 'the server logged a missing translation');
});
