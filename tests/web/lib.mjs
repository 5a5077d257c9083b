// Shared by the browser tests: the real `advisor serve` on a loopback port, tiny static servers for
// host pages on other origins, Debian's Chromium through playwright-core, and helpers to read the
// widget's shadow DOM.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const webRoot = path.join(repo, 'web-client');
export const shotDir = process.env.ADVISOR_SCREENSHOT_DIR || path.join(repo, 'build', 'screenshots');

function advisorBinary() {
  const candidates = [process.env.ADVISOR_BIN, ...['debug', 'release', 'asan'].map((p) => path.join(repo, 'build', p, 'app', 'advisor'))];
  const found = candidates.find((c) => c && existsSync(c));
  if (!found) throw new Error('no advisor binary: build it, or set ADVISOR_BIN to its path');
  return found;
}

async function loadPlaywright() {
  try {
    return await import('playwright-core');
  } catch (e) {
    throw new Error('playwright-core is missing: run `npm ci` in tests/web (scripts/test does it)');
  }
}

// Starts `advisor serve` on 127.0.0.1 (a free port unless `port` is given) and resolves once it
// listens. stop() sends SIGTERM and waits for the exit.
export async function startAdvisor({ port = 0, allowedOrigins = [] } = {}) {
  const args = ['serve', '--host', '127.0.0.1', '--port', String(port), '--knowledge', path.join(repo, 'knowledge'),
    '--web-root', webRoot, '--reload-poll', '0', '--threads', '2', '--db', 'off'];
  if (allowedOrigins.length) args.push('--allowed-origins', allowedOrigins.join(','));
  const proc = spawn(advisorBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  const bound = await new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error('advisor serve did not start:\n' + log)), 20000);
    proc.stderr.on('data', (chunk) => {
      log += chunk;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timeout);
        resolve(Number(m[1]));
      }
    });
    proc.on('exit', (code) => reject(new Error(`advisor serve exited (${code}):\n${log}`)));
  });
  return {
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    log: () => log,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(t);
    },
  };
}

// A static server on a free loopback port: GET / answers `html` (a string or a function of the
// request), and GET /widget.js a copy of the widget (a site that hosts the script itself).
export async function startHostPage(html) {
  const server = http.createServer((req, res) => {
    if (req.url === '/widget.js') {
      res.writeHead(200, { 'content-type': 'application/javascript; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(readFileSync(path.join(webRoot, 'widget.js')));
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(typeof html === 'function' ? html(req) : html);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { origin: `http://127.0.0.1:${port}`, url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

export async function launchBrowser() {
  const { chromium } = await loadPlaywright();
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A page whose console errors and page errors are collected; `problems()` lists the unexpected
// ones (a refused or failed WebSocket is expected in some tests and logged by Chromium itself).
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce', ...options });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/WebSocket connection to .* failed/.test(m.text())) errors.push('console: ' + m.text());
  });
  page.problems = () => errors.filter((e) => !/ERR_CONNECTION_REFUSED/.test(e));
  page.cspViolations = () => errors.filter((e) => /Content Security Policy|Refused to/i.test(e));
  return page;
}

// Frames on every WebSocket the page opens: {dir: 'sent'|'received', msg}.
export function recordFrames(page) {
  const frames = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => frames.push({ dir: 'sent', msg: safeJson(f.payload) }));
    ws.on('framereceived', (f) => frames.push({ dir: 'received', msg: safeJson(f.payload) }));
  });
  return frames;
}

function safeJson(s) {
  try {
    return JSON.parse(s);
  } catch (e) {
    return { raw: String(s) };
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The widget's parts (Playwright's CSS locators pierce open shadow roots).
export const w = {
  launcher: 'advisor-chat .launcher',
  panel: 'advisor-chat .panel',
  input: 'advisor-chat textarea',
  send: 'advisor-chat .send',
  bot: 'advisor-chat li.bot .bubble',
  user: 'advisor-chat li.me .bubble',
  chip: 'advisor-chat .chip',
  status: 'advisor-chat .status',
  live: 'advisor-chat [aria-live]:not(.status)',
};

export async function botCount(page) {
  return page.locator(w.bot).count();
}

// Waits until the transcript has `n` assistant messages.
export async function waitForBots(page, n, timeout = 15000) {
  await page.waitForFunction(
    (n) => document.querySelector('advisor-chat')?.shadowRoot?.querySelectorAll('li.bot').length >= n, n, { timeout });
}

// What the focused element is, through the shadow root: its class or tag.
export async function focused(page) {
  return page.evaluate(() => {
    let a = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    return a ? (a.className && typeof a.className === 'string' ? a.className : a.tagName.toLowerCase()) : null;
  });
}

export async function screenshot(page, t, name) {
  mkdirSync(shotDir, { recursive: true });
  const file = path.join(shotDir, name + '.png');
  await page.screenshot({ path: file });
  t.diagnostic('screenshot: ' + file);
  return file;
}

// Runs axe-core on the page (its shadow roots included) and returns the serious and critical
// violations. The source is added through the DevTools protocol, so the page's CSP doesn't apply.
export async function axeViolations(page) {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const { readFileSync } = await import('node:fs');
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary).slice(0, 3) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
