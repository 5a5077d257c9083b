// The conversation outlives its connection: a server restart mid-conversation, a question typed
// while offline, an answer lost on the way or delivered twice, a page reload.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { botCount, launchBrowser, newPage, recordFrames, startAdvisor, w, waitForBots } from './lib.mjs';

let advisor, browser;
before(async () => {
  [advisor, browser] = await Promise.all([startAdvisor(), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await advisor?.stop();
});

async function ask(page, text) {
  const n = await botCount(page);
  await page.fill(w.input, text);
  await page.press(w.input, 'Enter');
  await waitForBots(page, n + 1);
}

test('server stopped and restarted mid-conversation: the offline question is sent once on reconnect and answered with the context intact', async () => {
  const page = await newPage(browser);
  const frames = recordFrames(page);
  await page.goto(advisor.url + '/');
  await waitForBots(page, 1);
  const greeting = await page.locator(w.bot).first().innerText();
  await ask(page, 'can I pop them?');

  await advisor.stop();
  await page.waitForFunction(() => /reconnect|can.t connect/i.test(document.querySelector('advisor-chat').shadowRoot.querySelector('.status').textContent),
    null, { timeout: 10000 });
  await page.fill(w.input, 'even on my eyelids?');
  await page.press(w.input, 'Enter');
  await page.waitForTimeout(300);
  assert.match(await page.locator('advisor-chat li.me .meta').last().innerText(), /not sent yet/i, 'the waiting question says so');
  assert.equal(await botCount(page), 2, 'nothing answered while the server is down');

  advisor = await startAdvisor({ port: advisor.port });
  await waitForBots(page, 3, 20000);
  await page.waitForTimeout(500);
  const asks = frames.filter((f) => f.dir === 'sent' && f.msg.type === 'ask' && f.msg.text === 'even on my eyelids?');
  assert.equal(asks.length, 1, 'sent once');
  assert.equal(asks[0].msg.context.turn, 1, 'with the context of the answer before the restart');
  const answers = frames.filter((f) => f.dir === 'received' && f.msg.type === 'answer' && f.msg.id === asks[0].msg.id);
  assert.equal(answers.length, 1, 'answered once');
  assert.equal(answers[0].msg.context.turn, 2, 'the server carried the conversation on');
  const bots = await page.locator(w.bot).allInnerTexts();
  assert.equal(bots.length, 3, 'greeting and two answers');
  assert.equal(bots.filter((t) => t === greeting).length, 1, 'the greeting was not repeated on reconnect');
  assert.equal(await page.locator(w.status).innerText(), '', 'the status line is clear again');
  assert.equal(await page.locator('advisor-chat li.me .meta:not([hidden])').count(), 0, 'no question left waiting');

  // A reload within the tab brings the whole conversation back, and its context.
  await page.reload();
  await waitForBots(page, 3);
  await page.waitForTimeout(600);
  assert.deepEqual(await page.locator(w.bot).allInnerTexts(), bots, 'the same conversation after a reload');
  await ask(page, 'what about on my nose?');
  const last = frames.filter((f) => f.dir === 'sent' && f.msg.type === 'ask').at(-1);
  assert.equal(last.msg.context.turn, 2);
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('an answer lost with its connection is asked for again and shown once; an answer delivered twice is shown once', async () => {
  const page = await newPage(browser);
  const asked = [];
  let drop = false, twice = false;
  // Between the page and the real server: drops the connection instead of delivering one answer,
  // and delivers another one twice.
  await page.routeWebSocket(/\/chat$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      asked.push(JSON.parse(m));
      server.send(m);
    });
    server.onMessage((m) => {
      const msg = JSON.parse(m);
      if (msg.type === 'answer' && drop) {
        drop = false;
        ws.close({ code: 4000, reason: 'lost' });
        server.close();
        return;
      }
      ws.send(m);
      if (msg.type === 'answer' && twice) {
        twice = false;
        ws.send(m);
      }
    });
  });
  await page.goto(advisor.url + '/');
  await waitForBots(page, 1);

  drop = true;
  await page.fill(w.input, 'what are milia?');
  await page.press(w.input, 'Enter');
  await waitForBots(page, 2, 20000);
  const first = asked.filter((m) => m.text === 'what are milia?');
  assert.equal(first.length, 2, 'asked again after the lost answer');
  assert.equal(first[0].id, first[1].id, 'under the same id');

  twice = true;
  await ask(page, 'can I pop them?');
  await page.waitForTimeout(800);
  assert.equal(await botCount(page), 3, 'greeting and two answers, each once');
  assert.equal(await page.locator(w.user).count(), 2);
  assert.equal(asked.filter((m) => m.text === 'can I pop them?').at(-1).context.turn, 1);
  await page.context().close();
});
