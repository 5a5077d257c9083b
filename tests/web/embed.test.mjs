// The one-tag embed on host pages served from other origins: hostile CSS, a refused origin, text
// that looks like HTML, privacy before the first open, the keyboard, accessibility, the JS API,
// the phone-sized panel, and screenshots.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  axeViolations, botCount, focused, launchBrowser, newPage, recordFrames, screenshot, startAdvisor, startHostPage, w,
  waitForBots,
} from './lib.mjs';

let advisor, browser, studio, hostile, stranger, selfHosted;

// A plausible studio home page, for the privacy, keyboard and screenshot tests.
const studioPage = (server) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Face To Face Esthetics</title>
<style>
  body { margin: 0; font: 17px/1.6 Georgia, serif; background: #fbf8f5; color: #2f2a26; }
  header { padding: 22px 48px; border-bottom: 1px solid #ece6e0; letter-spacing: .12em; font-size: 20px; }
  main { padding: 56px 48px; max-width: 640px; }
  h1 { font-weight: normal; font-size: 42px; line-height: 1.15; margin: 0 0 18px; }
  a { color: #6d3c4e; }
  @media (prefers-color-scheme: dark) { body { background: #191614; color: #eee6df; } header { border-color: #2e2926; } a { color: #e3b3c4; } }
  @media (max-width: 480px) { header, main { padding-left: 20px; padding-right: 20px; } h1 { font-size: 32px; } }
</style></head>
<body><header>FACE TO FACE ESTHETICS</header>
<main><h1>Facials and skin care in Camarillo</h1>
<p>Gentle, personalised treatments for every skin type. <a href="#book">Book a visit</a>, or ask our assistant about milia.</p></main>
<script src="${server}/widget.js" async data-title="Ask about milia" data-accent="#8a4d64" data-phone="805.669.7743"></script>
</body></html>`;

// A host page that does its worst to everything on it.
const hostilePage = (server) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hostile host</title>
<style>
  * { all: unset; }
  div { display: none !important; }
  html, body { font-size: 64px !important; line-height: 4 !important; font-family: "Comic Sans MS", cursive !important; }
  button, textarea, section, aside, li, p { font-size: 50px !important; color: lime !important; background: red !important; }
  advisor-chat { display: none; opacity: 0; }
  :root { --bg: #000; --fg: #0f0; --accent: #f00; --line: 20px solid red; }
</style></head>
<body><p>Hostile host page</p>
<script src="${server}/widget.js" async data-title="Ask about milia"></script>
</body></html>`;

before(async () => {
  browser = await launchBrowser();
  // The host pages need the advisor's address, and the advisor needs their origins: the pages are
  // built per request from `advisor.url`, known by then.
  studio = await startHostPage(() => studioPage(advisor.url));
  hostile = await startHostPage(() => hostilePage(advisor.url));
  stranger = await startHostPage(() => studioPage(advisor.url));
  selfHosted = await startHostPage(() => studioPage(advisor.url).replace(`src="${advisor.url}/widget.js"`, `src="/widget.js" data-server="${advisor.url}"`));
  advisor = await startAdvisor({ allowedOrigins: [studio.origin, hostile.origin, selfHosted.origin] });
});
after(async () => {
  await browser?.close();
  await advisor?.stop();
  await Promise.all([studio, hostile, stranger, selfHosted].map((s) => s?.close()));
});

async function ask(page, text) {
  const n = await botCount(page);
  await page.fill(w.input, text);
  await page.press(w.input, 'Enter');
  await waitForBots(page, n + 1);
}

test('nothing is stored and nothing connects before the visitor opens the chat; the conversation survives a reload', async () => {
  const page = await newPage(browser);
  const frames = recordFrames(page);
  let sockets = 0;
  page.on('websocket', () => sockets++);
  await page.goto(studio.url);
  await page.waitForSelector(w.launcher);
  await page.waitForTimeout(500);
  const storage = () => page.evaluate(() => ({ session: sessionStorage.length, local: localStorage.length, cookie: document.cookie }));
  assert.deepEqual(await storage(), { session: 0, local: 0, cookie: '' }, 'nothing written before the first open');
  assert.equal(sockets, 0, 'no connection before the first open');

  await page.click(w.launcher);
  await waitForBots(page, 1);
  assert.equal((await storage()).session, 1, 'opening the chat starts the stored conversation');
  assert.equal(await page.getAttribute('advisor-chat .call', 'href'), 'tel:8056697743', 'the studio is one tap away');
  await ask(page, 'can I pop them?');

  await page.reload();
  await waitForBots(page, 2);
  assert.ok(await page.isVisible(w.panel), 'an open chat is open again after a reload');
  await page.waitForTimeout(600); // the hello of the new connection has arrived by now
  const bots = await page.locator(w.bot).allInnerTexts();
  assert.equal(bots.length, 2, 'greeting and answer, once each: ' + JSON.stringify(bots));
  await ask(page, 'even on my eyelids?');
  const asks = frames.filter((f) => f.dir === 'sent' && f.msg.type === 'ask');
  assert.equal(asks.at(-1).msg.context.turn, 1, 'the context from before the reload went with the next question');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('a host page with hostile CSS on another allowed origin: the widget looks and works as usual', async () => {
  const page = await newPage(browser);
  await page.goto(hostile.url);
  const launcher = page.locator(w.launcher);
  await launcher.waitFor();
  const box = await launcher.boundingBox();
  assert.ok(box && box.width === 58 && box.height === 58, 'the launcher keeps its size: ' + JSON.stringify(box));
  assert.ok(box.x + box.width <= 1280 && box.y + box.height <= 800, 'and stays in its corner');
  await launcher.click();
  await waitForBots(page, 1);
  const panel = await page.locator(w.panel).boundingBox();
  assert.ok(panel && panel.width > 300 && panel.height > 400, 'the panel is shown at its size: ' + JSON.stringify(panel));
  const style = await page.locator(w.bot).first().evaluate((e) => {
    const s = getComputedStyle(e);
    return { font: s.fontSize, colour: s.color, family: s.fontFamily };
  });
  assert.equal(style.font, '15px', 'the host page\'s font sizes do not reach inside');
  assert.notEqual(style.colour, 'rgb(0, 255, 0)');
  assert.doesNotMatch(style.family, /Comic/);
  await ask(page, 'what are milia?');
  assert.ok((await page.locator(w.chip).count()) >= 2);
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('a question that looks like HTML is shown as text and runs nothing', async () => {
  const page = await newPage(browser);
  await page.goto(hostile.url); // no CSP on this page: only the widget stands between the text and the DOM
  await page.click(w.launcher);
  await waitForBots(page, 1);
  const attack = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>bold</b>';
  await ask(page, attack);
  assert.equal(await page.locator(w.user).last().innerText(), attack, 'the text is shown as typed');
  const found = await page.evaluate(() => {
    const root = document.querySelector('advisor-chat').shadowRoot;
    return { img: root.querySelectorAll('img, script, b').length, xss: window.__xss ?? null };
  });
  assert.deepEqual(found, { img: 0, xss: null });
  await page.reload(); // and again when it comes back from storage
  await waitForBots(page, 2);
  assert.equal(await page.locator(w.user).last().innerText(), attack);
  assert.equal(await page.evaluate(() => window.__xss ?? null), null);
  await page.context().close();
});

test('an origin that is not allowed is refused, and the widget says it can\'t connect', async () => {
  const page = await newPage(browser);
  await page.goto(stranger.url);
  await page.click(w.launcher);
  await page.waitForFunction(() => /can.t connect/i.test(document.querySelector('advisor-chat').shadowRoot.querySelector('.status').textContent),
    null, { timeout: 10000 });
  const status = await page.locator(w.status).innerText();
  assert.match(status, /Call the studio at 805\.669\.7743/, 'with a way to reach the studio: ' + status);
  assert.equal(await page.getAttribute(w.status, 'role'), 'status', 'announced politely');
  assert.equal(await botCount(page), 0);
  assert.match(advisor.log(), /origin not allowed/);
  await page.context().close();
});

test('keyboard only in the widget: Tab, Enter, a chip, Escape back to the launcher; the live region announces', async () => {
  const page = await newPage(browser);
  await page.goto(studio.url);
  await page.waitForSelector(w.launcher);
  let tabs = 0;
  while ((await focused(page)) !== 'launcher' && tabs++ < 10) await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'launcher', 'Tab reaches the launcher');
  assert.equal(await page.getAttribute(w.launcher, 'aria-expanded'), 'false');
  await page.keyboard.press('Enter');
  await waitForBots(page, 1);
  assert.equal(await focused(page), 'textarea', 'opening moves focus to the input');
  assert.equal(await page.getAttribute(w.launcher, 'aria-expanded'), 'true');
  await page.evaluate(() => {
    window.__announced = [];
    const live = document.querySelector('advisor-chat').shadowRoot.querySelector('[aria-live]:not(.status)');
    new MutationObserver(() => live.textContent && window.__announced.push(live.textContent)).observe(live, { childList: true, subtree: true });
  });
  await page.keyboard.type('what are milia?');
  await page.keyboard.press('Enter');
  await waitForBots(page, 2);
  assert.equal(await focused(page), 'textarea', 'no focus move when the answer arrives');
  assert.match(await page.evaluate(() => window.__announced.join(' ')), /^Assistant: \S/, 'the answer was announced');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), 'chip');
  await page.keyboard.press('Enter');
  await waitForBots(page, 3);
  assert.equal(await focused(page), 'textarea', 'focus returns to the input after a chip');
  await page.keyboard.press('Escape');
  assert.ok(!(await page.isVisible(w.panel)), 'Escape closes the panel');
  assert.equal(await focused(page), 'launcher', 'and focus is back on the launcher');
  assert.equal(await page.getAttribute(w.launcher, 'aria-expanded'), 'false');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('the JS API: calls queued before the script loads, open(), ask(), close()', async () => {
  const page = await newPage(browser);
  await page.addInitScript(() => {
    window.AdvisorChat = [['ask', 'what are milia?']];
  });
  await page.goto(studio.url);
  await waitForBots(page, 2);
  assert.equal(await page.locator(w.user).first().innerText(), 'what are milia?');
  assert.equal(await page.evaluate(() => window.AdvisorChat.isOpen()), true);
  await page.evaluate(() => window.AdvisorChat.close());
  assert.ok(!(await page.isVisible(w.panel)));
  await page.evaluate(() => window.AdvisorChat.ask('can I pop them?'));
  await waitForBots(page, 3);
  assert.ok(await page.isVisible(w.panel));
  await page.context().close();
});

test('data-server: a copy of the script hosted by the site itself talks to the server named there', async () => {
  const page = await newPage(browser);
  const frames = recordFrames(page);
  await page.goto(selfHosted.url);
  await page.click(w.launcher);
  await waitForBots(page, 1);
  await ask(page, 'what are milia?');
  assert.ok(frames.some((f) => f.dir === 'received' && f.msg.type === 'answer'));
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('the studio\'s contact comes from the server\'s hello when it has one', async () => {
  const page = await newPage(browser);
  // The hello as a server that sends the knowledge's contact would send it.
  await page.routeWebSocket(/\/chat$/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((m) => {
      const msg = JSON.parse(m);
      if (msg.type === 'hello') msg.contact = { name: 'Face To Face Esthetics', phone: '(805) 555-0199', email: 'hello@example.com' };
      ws.send(JSON.stringify(msg));
    });
  });
  await page.goto(studio.url);
  await page.click(w.launcher);
  await waitForBots(page, 1);
  assert.equal(await page.getAttribute('advisor-chat .call', 'href'), 'tel:8055550199', 'the hello wins over data-phone');
  assert.equal(await page.getAttribute('advisor-chat .call', 'aria-label'), 'Call the studio: (805) 555-0199');
  assert.equal(await page.locator('advisor-chat .sub').innerText(), 'Automated assistant · Face To Face Esthetics');
  await page.context().close();
});

test('axe-core finds no serious or critical violations with the widget open, light and dark', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const page = await newPage(browser, { colorScheme });
    await page.goto(studio.url);
    await page.click(w.launcher);
    await waitForBots(page, 1);
    await ask(page, 'how do I get rid of milia?');
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `${colorScheme}: ${JSON.stringify(violations, null, 1)}`);
    await page.context().close();
  }
});

test('375x667: the panel fills the screen and the input stays visible; screenshots desktop and mobile, light and dark', async (t) => {
  for (const colorScheme of ['light', 'dark']) {
    for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['mobile', { width: 375, height: 667 }]]) {
      const mobile = name === 'mobile';
      const page = await newPage(browser, { colorScheme, viewport, isMobile: mobile, hasTouch: mobile });
      await page.goto(studio.url);
      await page.waitForSelector(w.launcher);
      if (colorScheme === 'light') await screenshot(page, t, `widget-closed-${name}-${colorScheme}`);
      await page.click(w.launcher);
      await waitForBots(page, 1);
      await ask(page, 'what are milia?');
      await page.waitForTimeout(150);
      const panel = await page.locator(w.panel).boundingBox();
      const input = await page.locator(w.input).boundingBox();
      if (mobile) {
        assert.deepEqual([panel.x, panel.y, panel.width, panel.height].map(Math.round), [0, 0, 375, 667], 'the panel fills the screen');
        assert.ok(!(await page.isVisible(w.launcher)), 'the launcher steps aside for the full-screen panel');
      }
      assert.ok(input.y >= 0 && input.y + input.height <= viewport.height, `${name}: the input is on screen: ${JSON.stringify(input)}`);
      await screenshot(page, t, `widget-${name}-${colorScheme}`);
      if (mobile && colorScheme === 'light') {
        // An on-screen keyboard takes the lower half: the panel follows the visual viewport.
        await page.setViewportSize({ width: 375, height: 360 });
        await page.waitForTimeout(200);
        const small = await page.locator(w.input).boundingBox();
        assert.ok(small.y + small.height <= 360, 'the input stays above the keyboard: ' + JSON.stringify(small));
        assert.ok(await page.locator('advisor-chat h2').isVisible(), 'and the header stays on screen');
        await screenshot(page, t, 'widget-mobile-keyboard-light');
      }
      await page.context().close();
    }
  }
});
