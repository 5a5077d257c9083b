/* The advisor chat: the one-tag embed and, with data-mode="page", the full-page chat at /.
 *
 *   <script src="https://ADVISOR-HOST/widget.js" async data-title="Ask about milia" data-accent="#8a4d64"></script>
 *
 * data-server  where the chat server is (default: where this script came from); http(s) or ws(s)
 * data-title   the panel's title;  data-accent  a hex colour (#rgb or #rrggbb)
 * data-phone, data-email  the studio's contact, when the server's hello does not carry one
 * data-position="left"  puts the launcher in the bottom-left corner
 * data-mode="page"  fills the window, no launcher (the page at /)
 *
 * API: window.AdvisorChat.open(), close(), toggle(), ask(text), reset(). Calls made before the
 * script loads can be queued: window.AdvisorChat = [['open'], ['ask', 'hello']].
 * Events on window: advisor-chat:ready, advisor-chat:answer (detail: {text, topics}).
 *
 * The server keeps no state: the conversation and the last answer's context live here, in
 * sessionStorage (this tab only), written only once the visitor has opened the chat. Every
 * question has an id; one is sent at a time, re-sent after a lost connection until its answer
 * arrives, and an answer whose question is already answered is ignored: answered once, never lost.
 * Text from the server and the visitor is only ever set with textContent.
 */
(() => {
  'use strict';
  if (window.AdvisorChat && window.AdvisorChat.version) return;

  const script = document.currentScript || [...document.scripts].reverse().find((s) => /\/widget\.js(\?|$)/.test(s.src));
  const cfg = (script && script.dataset) || {};
  const page = cfg.mode === 'page';

  const url = new URL(cfg.server || '.', cfg.server || !script ? location.href : script.src);
  if (!/\/chat$/.test(url.pathname)) url.pathname = url.pathname.replace(/\/?$/, '/') + 'chat';
  url.protocol = url.protocol.replace(/^http/, 'ws');
  url.search = url.hash = '';
  const KEY = 'advisor-chat:' + url.href;

  const CSS = `
:host{all:initial!important;display:block!important;position:fixed!important;z-index:2147483000!important;top:0!important;left:0!important;width:0!important;height:0!important;overflow:visible!important;visibility:visible!important;opacity:1!important;transform:none!important;filter:none!important;contain:none!important}
:host([data-mode=page]){width:100%!important;height:var(--vvh,100dvh)!important}
.root{--bg:#fff;--page:#f6f2ee;--fg:#231e1b;--muted:#615a54;--line:#e6dfd8;--bot:#f3eee9;--warn:#fbf1e2;--err:#a12a1f;--ink:var(--ink-l);--shadow:0 18px 50px rgba(45,30,25,.18),0 3px 10px rgba(45,30,25,.08);
 font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);text-align:left;-webkit-text-size-adjust:100%;color-scheme:light}
@media (prefers-color-scheme:dark){.root{--bg:#201c1a;--page:#171412;--fg:#f4eee9;--muted:#bdb3ab;--line:#3a332f;--bot:#2d2825;--warn:#3b2f20;--err:#ffaca1;--ink:var(--ink-d);--shadow:0 18px 50px rgba(0,0,0,.5);color-scheme:dark}}
*,::before,::after{box-sizing:border-box}
[hidden]{display:none!important}
.sr{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap}
button,textarea{font:inherit;color:inherit;margin:0}
button{cursor:pointer;-webkit-tap-highlight-color:transparent}
svg{width:20px;height:20px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round;flex:none}
:focus-visible{outline:2px solid var(--ink);outline-offset:2px}
a{color:var(--ink)}
.launcher{position:fixed;right:20px;bottom:20px;width:58px;height:58px;border:0;border-radius:50%;background:var(--user);color:var(--on-accent);box-shadow:0 6px 20px rgba(45,30,25,.25);display:grid;place-items:center;transition:transform .2s}
.launcher:hover{transform:translateY(-2px)}
.launcher svg{width:26px;height:26px}
.left .launcher,.left .panel{right:auto;left:20px}
.panel{position:fixed;right:20px;bottom:92px;width:min(384px,calc(100vw - 40px));height:min(640px,calc(var(--vvh,100dvh) - 112px));background:var(--bg);border:1px solid var(--line);border-radius:18px;box-shadow:var(--shadow);display:flex;flex-direction:column;overflow:hidden;animation:rise .22s ease-out}
@keyframes rise{from{opacity:0;transform:translateY(10px) scale(.98)}}
.head{display:flex;align-items:center;gap:12px;padding:14px 14px 14px 16px;border-bottom:1px solid var(--line);background:var(--bg)}
.avatar{width:38px;height:38px;border-radius:50%;background:var(--user);color:var(--on-accent);display:grid;place-items:center;flex:none}
.titles{flex:1;min-width:0}
h1,h2{font-size:16px;line-height:1.3;font-weight:650;margin:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.sub{margin:1px 0 0;font-size:13px;color:var(--muted)}
.icon{width:38px;height:38px;border:0;border-radius:50%;background:transparent;display:grid;place-items:center;color:var(--muted);flex:none;text-decoration:none}
.icon:hover{background:var(--bot);color:var(--fg)}
.status{padding:9px 16px;font-size:13.5px;background:var(--warn);border-bottom:1px solid var(--line)}
.status:empty{display:none}
.log{position:relative;flex:1;overflow-y:auto;overscroll-behavior:contain;padding:18px 16px 8px;scroll-behavior:smooth}
.log:focus-visible{outline-offset:-3px}
ol{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:10px}
.msg{display:flex;flex-direction:column;max-width:86%;align-self:flex-start;animation:rise .2s ease-out}
.me{align-self:flex-end;align-items:flex-end}
.bubble{padding:10px 14px;border-radius:18px 18px 18px 6px;background:var(--bot);white-space:pre-line;overflow-wrap:anywhere}
.me .bubble{background:var(--user);color:var(--on-accent);border-radius:18px 18px 6px 18px}
.bubble p{margin:0}
.bubble p+p{margin-top:.7em}
.bubble .note{font-size:13px;color:var(--muted);padding-top:.7em;border-top:1px solid var(--line)}
.meta{font-size:12.5px;color:var(--muted);margin:4px 4px 0}
.meta.err{color:var(--err)}
.typing{display:flex;gap:5px;width:max-content;margin-top:10px;padding:14px 16px;border-radius:18px 18px 18px 6px;background:var(--bot)}
.typing i{width:7px;height:7px;border-radius:50%;background:var(--muted);animation:dot 1.2s infinite}
.typing i:nth-child(3){animation-delay:.15s}.typing i:nth-child(4){animation-delay:.3s}
@keyframes dot{0%,70%,100%{opacity:.35;transform:none}35%{opacity:1;transform:translateY(-3px)}}
.chips{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0 4px}
.chip{border:1px solid var(--chip-line);background:var(--bg);color:var(--ink);border-radius:999px;padding:7px 13px;font-size:14px;line-height:1.35;text-align:left}
.chip:hover{background:var(--chip-hover)}
form{display:flex;align-items:flex-end;gap:8px;padding:10px 12px 4px;border-top:1px solid var(--line);background:var(--bg)}
textarea{flex:1;min-width:0;resize:none;height:44px;max-height:132px;padding:10px 16px;border:1px solid var(--line);border-radius:22px;background:var(--bg);font-size:16px;line-height:1.4}
textarea::placeholder{color:var(--muted);opacity:1}
textarea:focus-visible{outline-offset:0;border-color:transparent}
.send{width:44px;height:44px;border:0;border-radius:50%;background:var(--user);color:var(--on-accent);display:grid;place-items:center;flex:none}
.foot{margin:0;padding:2px 16px 10px;font-size:12px;color:var(--muted);text-align:center;background:var(--bg)}
.page{height:100%}
.page .panel{position:static;width:100%;height:100%;border:0;border-radius:0;box-shadow:none;background:var(--page);animation:none}
.page .head,.page .log,.page form,.page .foot,.page .status{padding-left:max(16px,calc(50% - 360px));padding-right:max(16px,calc(50% - 360px))}
.page .head{padding-top:16px;padding-bottom:16px}
.page .log{padding-top:28px}
.page .bot .bubble,.page .typing{background:var(--bg);border:1px solid var(--line)}
.page .avatar{width:42px;height:42px}
.page h1{font-size:18px}
.ct{display:none}
@media (min-width:640px){.page .call{width:auto;padding:0 14px 0 12px;gap:8px;display:flex;align-items:center;border:1px solid var(--line);border-radius:999px;color:var(--ink);font-size:14px}.page .ct{display:inline}}
@media (max-width:480px){
 .root:not(.page) .panel{top:var(--vvt,0);left:0;right:0;bottom:auto;width:100%;height:var(--vvh,100dvh);border:0;border-radius:0}
 .open .launcher{display:none}
}
@media (prefers-reduced-motion:reduce){*,::before,::after{animation:none!important;transition:none!important;scroll-behavior:auto!important}}`;

  // Colours: the accent, and what is readable on it and in its place (AA, 4.5:1).
  const rgb = (h) => {
    const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec((h || '').trim());
    if (!m) return null;
    const s = m[1].length === 3 ? m[1].replace(/./g, '$&$&') : m[1];
    return [0, 2, 4].map((i) => parseInt(s.slice(i, i + 2), 16));
  };
  const lum = (c) => c.reduce((sum, v, i) => {
    v /= 255;
    return sum + [0.2126, 0.7152, 0.0722][i] * (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  }, 0);
  const contrast = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
  const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));
  const hex = (c) => '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');
  const toward = (c, bg, to, min = 4.6) => {
    let t = 0, out = c;
    while (contrast(out, bg) < min && t < 1) out = mix(c, to, (t += 0.05));
    return out;
  };
  const W = [255, 255, 255], K = [26, 20, 18];
  const accent = rgb(cfg.accent) || [138, 77, 100];
  const dark = contrast(accent, K) > contrast(accent, W) && contrast(accent, K) >= 4.5;
  const user = dark || contrast(accent, W) >= 4.5 ? accent : toward(accent, W, [0, 0, 0]);
  const colours = {
    '--accent': hex(accent),
    '--user': hex(user),
    '--on-accent': dark ? hex(K) : '#fff',
    '--ink-l': hex(toward(accent, W, [0, 0, 0])),
    '--ink-d': hex(toward(accent, [32, 28, 26], W, 6)),
    '--chip-line': 'color-mix(in srgb,' + hex(accent) + ' 45%,transparent)',
    '--chip-hover': 'color-mix(in srgb,' + hex(accent) + ' 10%,transparent)',
  };

  const el = (tag, props, ...kids) => {
    const e = document.createElement(tag);
    for (const k in props || {}) {
      const v = props[k];
      if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (v !== false && v != null) e.setAttribute(k, v === true ? '' : v);
    }
    e.append(...kids.filter(Boolean));
    return e;
  };
  const PATHS = {
    chat: 'M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12Z',
    close: 'M6 6l12 12M18 6L6 18',
    send: 'M5 12h13M12 5l7 7-7 7',
    phone: 'M6.6 3.5h2.8l1.4 4-2 1.3a11 11 0 0 0 6.4 6.4l1.3-2 4 1.4v2.8a2 2 0 0 1-2.2 2A17 17 0 0 1 4.6 5.7a2 2 0 0 1 2-2.2Z',
    leaf: 'M5 19c0-8 5-13 14-14-1 9-6 14-14 14Zm0 0 7-7',
  };
  const icon = (name) => {
    const s = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    const p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    p.setAttribute('d', PATHS[name]);
    s.append(p);
    return s;
  };

  // State: what is kept in sessionStorage, once the visitor has opened the chat.
  let S = { msgs: [], ctx: null, chips: [], open: false };
  let engaged = false;
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY));
    if (saved && Array.isArray(saved.msgs)) {
      S = Object.assign(S, saved);
      engaged = true;
    }
  } catch (e) { /* storage blocked or garbage: start afresh */ }
  const save = () => {
    if (!engaged) return;
    S.msgs = S.msgs.slice(-120);
    try { sessionStorage.setItem(KEY, JSON.stringify(S)); } catch (e) { /* full or blocked: keep going in memory */ }
  };

  let host, ui, ws = null, ready = false, inflight = null, sentAt = 0, attempts = 0, timer = 0, idle = false;
  let contact = { phone: cfg.phone, email: cfg.email }, greeting = null;
  const rendered = new Map();
  const title = cfg.title || 'Ask a question';

  function build() {
    host = document.createElement('advisor-chat');
    if (page) host.setAttribute('data-mode', 'page');
    for (const k in colours) host.style.setProperty(k, colours[k]);
    const root = host.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];

    const u = (ui = {});
    u.input = el('textarea', { id: 'q', rows: 1, maxlength: 1000, placeholder: 'Ask a question…', autocomplete: 'off', enterkeyhint: 'send', oninput: grow, onkeydown: (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        submit();
      }
    }, onfocus: () => idle && !ws && connect() });
    u.send = el('button', { type: 'submit', class: 'send', 'aria-label': 'Send' }, icon('send'));
    u.list = el('ol');
    u.typing = el('div', { class: 'typing', hidden: true }, el('span', { class: 'sr', text: 'The assistant is typing' }), el('i'), el('i'), el('i'));
    u.chips = el('div', { class: 'chips', role: 'group', 'aria-label': 'Suggested questions' });
    u.log = el('div', { class: 'log', role: 'region', 'aria-label': 'Conversation', tabindex: 0 }, u.list, u.typing, u.chips);
    u.status = el('div', { class: 'status', role: 'status' });
    u.sub = el('p', { class: 'sub', text: 'Automated assistant' });
    u.callText = el('span', { class: 'ct' });
    u.call = el('a', { class: 'icon call', hidden: true }, icon('phone'), u.callText);
    u.close = page ? null : el('button', { type: 'button', class: 'icon', 'aria-label': 'Close chat', onclick: () => close(true) }, icon('close'));
    u.panel = el(page ? 'main' : 'section', { class: 'panel', id: 'panel', 'aria-labelledby': 'title', role: page ? null : 'dialog', hidden: !page },
      el('header', { class: 'head' },
        el('div', { class: 'avatar' }, icon('leaf')),
        el('div', { class: 'titles' }, el(page ? 'h1' : 'h2', { id: 'title', text: title }), u.sub),
        u.call, u.close),
      u.status, u.log,
      el('form', { onsubmit: (e) => { e.preventDefault(); submit(); } },
        el('label', { for: 'q', class: 'sr', text: 'Your question' }), u.input, u.send),
      el('p', { class: 'foot', text: 'Automated answers. Please don’t share personal details.' }));
    u.panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !page) {
        e.preventDefault();
        close(true);
      }
    });
    u.live = el('div', { class: 'sr', 'aria-live': 'polite' });
    u.launcher = page ? null : el('button', { type: 'button', class: 'launcher', 'aria-label': 'Open chat: ' + title, 'aria-expanded': 'false', 'aria-controls': 'panel', onclick: toggle }, icon('chat'));
    u.root = el(page ? 'div' : 'aside', { class: 'root' + (page ? ' page' : '') + (cfg.position === 'left' ? ' left' : ''), 'aria-label': page ? null : 'Chat' }, u.launcher, u.panel, u.live);
    u.log.addEventListener('scroll', () => (stick = u.log.scrollTop + u.log.clientHeight >= u.log.scrollHeight - 24));
    if (window.ResizeObserver) new ResizeObserver(toEnd).observe(u.log);
    root.append(u.root);
    (document.body || document.documentElement).append(host);

    const vv = window.visualViewport;
    const fit = () => {
      host.style.setProperty('--vvh', vv.height + 'px');
      host.style.setProperty('--vvt', vv.offsetTop + 'px');
    };
    if (vv) {
      vv.addEventListener('resize', fit);
      vv.addEventListener('scroll', fit);
      fit();
    }
    window.addEventListener('online', () => needed() && connect());
    document.addEventListener('visibilitychange', () => !document.hidden && needed() && !ws && connect());
  }

  // The transcript stays pinned to its end while the visitor hasn't scrolled up, also when the
  // panel shrinks (an on-screen keyboard opening); a new answer is shown from its question down,
  // so a long one is read from its start.
  let stick = true, anchor = null;
  const toEnd = () => {
    if (anchor) ui.log.scrollTop = anchor.offsetTop - 12;
    else if (stick) ui.log.scrollTop = ui.log.scrollHeight;
    anchor = null;
  };

  function grow() {
    const t = ui.input;
    t.style.height = '';
    if (t.scrollHeight > t.clientHeight) t.style.height = Math.min(t.scrollHeight + 2, 132) + 'px';
  }

  function showContact() {
    const phone = contact.phone, email = contact.email;
    ui.call.hidden = !(phone || email);
    if (phone || email) {
      ui.call.href = phone ? 'tel:' + String(phone).replace(/[^\d+]/g, '') : 'mailto:' + email;
      const label = phone ? 'Call the studio: ' + phone : 'Email the studio: ' + email;
      ui.call.setAttribute('aria-label', label);
      ui.call.title = label;
      ui.callText.textContent = phone || email;
    }
    if (contact.name) ui.sub.textContent = 'Automated assistant · ' + contact.name;
  }

  // The transcript: messages are added, never removed (except by reset), so each is built once.
  function render() {
    let added = null;
    for (let i = S.msgs.length - 1; i >= 0; i--) {
      const m = S.msgs[i];
      let li = rendered.get(m);
      if (!li) {
        const bubble = el('div', { class: 'bubble' });
        const paras = String(m.t).split(/\n\s*\n/);
        paras.forEach((p, i) => bubble.append(el('p', { class: m.d && i && i === paras.length - 1 ? 'note' : null, text: p.trim() })));
        li = el('li', { class: 'msg ' + (m.r === 'u' ? 'me' : 'bot') }, el('span', { class: 'sr', text: m.r === 'u' ? 'You:' : 'Assistant:' }), bubble, el('span', { class: 'meta', hidden: true }));
        rendered.set(m, li);
        ui.list.insertBefore(li, rendered.get(S.msgs[i + 1]) || null);
        added = added || (m.r === 'b' && S.msgs[i - 1] && S.msgs[i - 1].r === 'u' && rendered.get(S.msgs[i - 1])) || 'end';
      }
      const meta = li.lastChild;
      const text = m.st === 'e' ? m.err : m.st === 'q' && !ready ? 'Not sent yet: it will go out as soon as the chat reconnects.' : '';
      meta.hidden = !text;
      meta.textContent = text;
      meta.className = 'meta' + (m.st === 'e' ? ' err' : '');
    }
    ui.typing.hidden = !(ready && inflight);
    const chips = inflight || S.msgs.some((m) => m.st === 'q') ? [] : (S.chips || []).slice(0, 3);
    if (ui.chips.dataset.k !== JSON.stringify(chips)) {
      ui.chips.dataset.k = JSON.stringify(chips);
      ui.chips.replaceChildren(...chips.map((c) => el('button', { type: 'button', class: 'chip', text: c, onclick: () => {
        ask(c);
        ui.input.focus();
      } })));
    }
    ui.chips.hidden = !chips.length;
    if (added) {
      stick = true;
      anchor = added === 'end' ? null : added;
      requestAnimationFrame(toEnd);
    }
  }

  function status(state) {
    const say = (text, link) => {
      ui.status.replaceChildren(text, ...(link ? [' ', link] : []));
    };
    if (state === 'ok' || state === 'idle') return say('');
    if (state === 'failed') {
      const phone = contact.phone, email = contact.email;
      const link = phone ? el('a', { href: 'tel:' + String(phone).replace(/[^\d+]/g, ''), text: 'Call the studio at ' + phone + '.' })
        : email ? el('a', { href: 'mailto:' + email, text: 'Email the studio.' }) : null;
      return say('Sorry, the chat can’t connect right now. It will keep trying.', link);
    }
    say(state === 'lost' ? 'Connection lost. Reconnecting…' : 'Connecting…');
  }

  function announce(text) {
    const p = el('p', { text: 'Assistant: ' + text.replace(/\s*\n\s*/g, ' ') });
    ui.live.append(p);
    setTimeout(() => p.remove(), 3000);
  }

  const needed = () => S.open || page || S.msgs.some((m) => m.st === 'q');

  function connect() {
    clearTimeout(timer);
    if (ws) return;
    idle = false;
    let sock;
    try {
      sock = new WebSocket(url.href);
    } catch (e) {
      return retry();
    }
    ws = sock;
    if (!attempts && !S.msgs.length) status('connecting');
    // An answer shows after the typing dots have had a moment; its id keeps it to once either way.
    sock.onmessage = (e) => {
      let m;
      try {
        m = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      if (ws === sock && m && typeof m === 'object') setTimeout(frame, m.type === 'hello' ? 0 : Math.max(0, 450 - (Date.now() - sentAt)), m);
    };
    sock.onclose = (e) => {
      if (ws !== sock) return;
      ws = null;
      const was = ready;
      ready = false;
      inflight = null;
      render();
      if (e.reason === 'idle' && !S.msgs.some((m) => m.st === 'q')) {
        idle = true; // the server let an unused connection go: reconnect when the visitor needs it
        return status('idle');
      }
      if (was) attempts = 0;
      retry();
    };
  }

  function retry() {
    ws = null;
    attempts++;
    if (attempts === 3 && !greeting)
      console.warn('AdvisorChat: can\'t open ' + url.href + '. If the server runs, check that it allows this page\'s origin (' + location.origin + ') in --allowed-origins.');
    status(attempts >= 3 ? 'failed' : S.msgs.length ? 'lost' : 'connecting');
    if (!needed()) return;
    timer = setTimeout(connect, Math.min(15000, 300 * 2 ** (attempts - 1)) * (0.8 + Math.random() * 0.4));
  }

  function frame(m) {
    if (m.type === 'hello') {
      ready = true;
      attempts = 0;
      status('ok');
      if (m.contact && typeof m.contact === 'object') contact = Object.assign({}, contact, m.contact);
      showContact();
      if (typeof m.text === 'string' && m.text) greeting = m.text;
      // The greeting opens a conversation once: first, even before questions asked while connecting.
      if (greeting && !S.msgs.some((x) => x.r === 'b')) {
        S.msgs.unshift({ r: 'b', t: greeting, g: 1 });
        if (!S.msgs.some((x) => x.st === 'q')) S.chips = Array.isArray(m.suggestions) ? m.suggestions : [];
        save();
      }
      render();
      return pump();
    }
    const q = S.msgs.find((x) => x.id === m.id && x.st === 'q');
    if (!q) return; // an answer to a question already answered, or to nothing of ours
    inflight = null;
    if (m.type === 'answer') {
      delete q.st;
      const disclaimed = !(S.ctx && S.ctx.disclaimed) && !!(m.context && m.context.disclaimed);
      const text = String(m.text || '');
      const a = { r: 'b', t: text };
      if (disclaimed) a.d = 1;
      S.msgs.push(a);
      S.ctx = m.context && typeof m.context === 'object' ? m.context : S.ctx;
      S.chips = Array.isArray(m.suggestions) ? m.suggestions : [];
      announce(text);
      window.dispatchEvent(new CustomEvent('advisor-chat:answer', { detail: { text, topics: m.topics || [] } }));
    } else if (m.type === 'error') {
      if (m.code === 'rate_limited') {
        setTimeout(pump, 1500);
        return render();
      }
      q.st = 'e';
      q.err = m.code === 'too_long' ? 'That message is too long to send. Please shorten it.'
        : 'Sorry, this one couldn’t be answered. Please try again.';
      announce(q.err);
    }
    save();
    render();
    pump();
  }

  function pump() {
    if (!ready || inflight || !ws) return;
    const q = S.msgs.find((x) => x.st === 'q');
    if (!q) return;
    inflight = q.id;
    sentAt = Date.now();
    ws.send(JSON.stringify({ type: 'ask', id: q.id, text: q.t, context: S.ctx || null }));
    render();
  }

  let counter = 0;
  function ask(text) {
    text = String(text == null ? '' : text).trim().slice(0, 1000);
    if (!text) return;
    engaged = true;
    S.msgs.push({ r: 'u', t: text, id: 'q' + Date.now().toString(36) + Math.random().toString(36).slice(2, 7) + ++counter, st: 'q' });
    S.chips = [];
    save();
    render();
    if (ws) pump();
    else {
      attempts = Math.min(attempts, 1);
      connect();
    }
  }

  function submit() {
    const text = ui.input.value;
    if (!text.trim()) return;
    ui.input.value = '';
    grow();
    ask(text);
  }

  function open(focus) {
    if (!page) engaged = true; // the page at / writes nothing until the first question
    S.open = true;
    save();
    ui.panel.hidden = false;
    ui.root.classList.add('open');
    if (ui.launcher) launcher(true);
    if (!ws) connect();
    render();
    if (focus) ui.input.focus();
  }

  function close(focusLauncher) {
    if (page) return;
    const inside = host.shadowRoot.activeElement;
    S.open = false;
    save();
    ui.panel.hidden = true;
    ui.root.classList.remove('open');
    launcher(false);
    if (focusLauncher || inside) ui.launcher.focus();
  }

  function launcher(isOpen) {
    ui.launcher.setAttribute('aria-expanded', String(isOpen));
    ui.launcher.setAttribute('aria-label', (isOpen ? 'Close chat: ' : 'Open chat: ') + title);
    ui.launcher.replaceChildren(icon(isOpen ? 'close' : 'chat'));
  }

  function toggle() {
    if (ui.panel.hidden) open(true);
    else close(true);
  }

  function reset() {
    S = { msgs: [], ctx: null, chips: [], open: S.open };
    try { sessionStorage.removeItem(KEY); } catch (e) { /* nothing stored */ }
    rendered.clear();
    ui.list.replaceChildren();
    inflight = null;
    if (ready && greeting) S.msgs.push({ r: 'b', t: greeting, g: 1 });
    save();
    render();
  }

  const api = {
    version: '1',
    open: () => open(true),
    close: () => close(false),
    toggle,
    ask: (text) => {
      if (!page && ui.panel.hidden) open(true);
      ask(text);
    },
    reset,
    isOpen: () => page || !ui.panel.hidden,
  };

  function start() {
    build();
    showContact();
    render();
    const queued = Array.isArray(window.AdvisorChat) ? window.AdvisorChat : [];
    window.AdvisorChat = api;
    if (page || S.open) open(false);
    for (const [name, ...args] of queued) if (typeof api[name] === 'function') api[name](...args);
    window.dispatchEvent(new CustomEvent('advisor-chat:ready'));
  }

  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
