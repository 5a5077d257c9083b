// The full-page chat at /: a conversation with chips, the keyboard, accessibility, the server's CSP,
// the size budget, and screenshots.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import {
  axeViolations, botCount, focused, launchBrowser, newPage, screenshot, startAdvisor, w, waitForBots, webRoot,
} from './lib.mjs';

let advisor, browser;
before(async () => {
  [advisor, browser] = await Promise.all([startAdvisor(), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await advisor?.stop();
});

// CSP violations reported by the page itself (the listener is added outside the page's CSP).
async function watchCsp(page) {
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  });
}

async function ask(page, text) {
  const before = await botCount(page);
  await page.fill(w.input, text);
  await page.press(w.input, 'Enter');
  await waitForBots(page, before + 1);
}

test('widget script and styles are at most 15 KB gzipped', (t) => {
  // The styles live inside widget.js (a constructed stylesheet in the shadow root); a widget.css,
  // if one is ever added, counts too.
  const files = ['widget.js', 'widget.css'].map((f) => path.join(webRoot, f)).filter((f) => {
    try {
      readFileSync(f);
      return true;
    } catch (e) {
      return false;
    }
  });
  const raw = files.reduce((n, f) => n + readFileSync(f).length, 0);
  const gz = gzipSync(Buffer.concat(files.map((f) => readFileSync(f))), { level: 9 }).length;
  t.diagnostic(`widget script + styles: ${gz} bytes gzipped (${raw} bytes raw, limit 15360)`);
  assert.ok(gz <= 15 * 1024, `${gz} bytes gzipped is over 15 KB`);
});

test('the page at / greets, answers with chips, and a chip asks its question', async () => {
  const page = await newPage(browser);
  await watchCsp(page);
  const response = await page.goto(advisor.url + '/');
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /default-src 'self'/, 'the server sends its CSP with the page');
  await waitForBots(page, 1);
  const greeting = await page.locator(w.bot).first().innerText();
  assert.match(greeting, /\S/, 'the greeting is shown');
  assert.ok((await page.locator(w.chip).count()) >= 2, 'the greeting comes with suggestions');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'nothing stored before the first question');

  await page.evaluate(() => {
    // Record what the live region announces (each announcement is removed after a few seconds).
    window.__announced = [];
    const live = document.querySelector('advisor-chat').shadowRoot.querySelector('[aria-live]:not(.status)');
    new MutationObserver(() => live.textContent && window.__announced.push(live.textContent)).observe(live, { childList: true, subtree: true });
  });
  await ask(page, 'can I pop them?');
  assert.equal(await page.evaluate(() => sessionStorage.length), 1, 'the conversation is kept from the first question');
  const answer = page.locator(w.bot).nth(1);
  assert.ok((await answer.locator('p').count()) >= 2, 'paragraphs are rendered as paragraphs');
  assert.match(await answer.innerText(), /not medical advice/i, 'the first answer carries the disclaimer');
  const chips = await page.locator(w.chip).allInnerTexts();
  assert.ok(chips.length >= 2 && chips.length <= 3, `2 or 3 chips, got ${chips.length}`);
  const announced = await page.evaluate(() => window.__announced.join(' | '));
  assert.match(announced, /Assistant: Please don't pick/, 'the live region announced the answer');
  assert.equal(await page.evaluate(() => document.querySelector('advisor-chat').shadowRoot.activeElement?.tagName), 'TEXTAREA',
    'focus stays in the input while the answer arrives');

  await page.locator(w.chip).first().click();
  await waitForBots(page, 3);
  assert.equal(await page.locator(w.user).nth(1).innerText(), chips[0].trim(), 'the chip asked its own text');
  assert.equal(await focused(page), 'textarea', 'focus is back in the input after a chip');
  const third = await page.locator(w.bot).nth(2).innerText();
  assert.doesNotMatch(third, /not medical advice/i, 'the disclaimer is shown once per conversation');
  assert.equal((await page.locator(w.bot).allInnerTexts()).filter((t) => t === greeting).length, 1, 'one greeting');

  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violations');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('keyboard only on the page: Tab to the input, Enter asks, a chip by keyboard, focus back in the input', async () => {
  const page = await newPage(browser);
  await page.goto(advisor.url + '/');
  await waitForBots(page, 1);
  let tabs = 0;
  while ((await focused(page)) !== 'textarea' && tabs++ < 10) await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'textarea', 'Tab reaches the input');
  await page.keyboard.type('what are milia?');
  await page.keyboard.press('Enter');
  await waitForBots(page, 2);
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), 'chip', 'Shift+Tab from the input reaches the last chip');
  const chip = await page.evaluate(() => document.querySelector('advisor-chat').shadowRoot.activeElement.textContent);
  await page.keyboard.press('Enter');
  await waitForBots(page, 3);
  assert.equal(await page.locator(w.user).nth(1).innerText(), chip);
  assert.equal(await focused(page), 'textarea');
  // Visible focus: the focused input has an outline.
  const outline = await page.evaluate(() => getComputedStyle(document.querySelector('advisor-chat').shadowRoot.activeElement).outlineStyle);
  assert.equal(outline, 'solid', 'focus is visible');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('axe-core finds no serious or critical violations on the page, light and dark', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const page = await newPage(browser, { colorScheme });
    await page.goto(advisor.url + '/');
    await waitForBots(page, 1);
    await ask(page, 'can I pop them?');
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `${colorScheme}: ${JSON.stringify(violations, null, 1)}`);
    await page.context().close();
  }
});

test('prefers-reduced-motion turns the animations off', async () => {
  const names = {};
  for (const reducedMotion of ['no-preference', 'reduce']) {
    const page = await newPage(browser, { reducedMotion });
    await page.goto(advisor.url + '/');
    await waitForBots(page, 1);
    names[reducedMotion] = await page.locator('advisor-chat li.bot').first().evaluate((e) => getComputedStyle(e).animationName);
    await page.context().close();
  }
  assert.deepEqual(names, { 'no-preference': 'rise', reduce: 'none' });
});

test('screenshots of the page, desktop and 375x667, light and dark; the input stays visible', async (t) => {
  for (const colorScheme of ['light', 'dark']) {
    for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['mobile', { width: 375, height: 667 }]]) {
      const page = await newPage(browser, { colorScheme, viewport, isMobile: name === 'mobile', hasTouch: name === 'mobile' });
      await page.goto(advisor.url + '/');
      await waitForBots(page, 1);
      await ask(page, 'what are milia?');
      await page.waitForTimeout(150);
      const box = await page.locator(w.input).boundingBox();
      assert.ok(box && box.y >= 0 && box.y + box.height <= viewport.height, `${name}: the input is on screen (${JSON.stringify(box)})`);
      await screenshot(page, t, `page-${name}-${colorScheme}`);
      await page.context().close();
    }
  }
});
