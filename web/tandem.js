// tandem's page for browser mates. It opens one WebSocket to `ws` next to the page,
// says HELLO with the token from the link's fragment, and then draws the FRAMEs the
// relay sends into xterm.js, acknowledging each once written (the relay's flow
// control). Keys go back as INPUT, the window's size as RESIZE. The token never
// leaves the page except inside HELLO: not in a URL, not in a log.
// Messages (proto/web_message.h): one opcode byte, then the body; numbers big-endian.
'use strict';

(() => {
  const PROTOCOL_VERSION = 1;
  const MAX_MESSAGE = 64 * 1024;                // bytes, opcode included (the relay's bound)
  const RECONNECT_DELAYS_S = [1, 2, 4, 8, 15];  // then 15 s each time
  const RECONNECT_JITTER = 0.25;                // ± a quarter, so pages do not come back in step
  const LATE_REFUSAL_GRACE_MS = 120000;         // a restarted relay may not know the session yet
  const REFUSED_RETRY_STEP = 2;                 // meanwhile, retry at most RECONNECT_DELAYS_S[2] apart
  const SILENCE_SHOWN_S = 45;                   // "last contact Ns ago" after this
  const SILENCE_GIVE_UP_S = 90;                 // the relay says something every 20 s: the link is dead
  const CONNECTING_SHOWN_MS = 300;              // a quick connection shows no "connecting…"
  const RESIZE_DEBOUNCE_MS = 120;
  const TICK_MS = 250;

  const OP = { hello: 0x48, input: 0x49, resize: 0x52, ack: 0x41, welcome: 0x57, frame: 0x46, notice: 0x4e, bye: 0x42,
               keepalive: 0x4b };

  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const params = new URLSearchParams(location.search);
  const token = location.hash.slice(1);

  const el = {
    screen: document.getElementById('screen'),
    terminal: document.getElementById('terminal'),
    status: document.getElementById('status'),
    badge: document.getElementById('badge'),
    keys: document.getElementById('keys'),
  };

  // What the tests (and a curious user in the console) can read.
  const state = { connected: false, role: null, notice: '', status: '', frames: 0, name: '', session: '' };

  // ---- the terminal ----

  const term = new Terminal({
    scrollback: 10000,
    allowProposedApi: true,  // term.unicode (the unicode11 addon)
    cursorBlink: false,
    fontFamily: '"DejaVu Sans Mono", "Menlo", "Consolas", "Liberation Mono", monospace',
    fontSize: 14,
    theme: { background: '#101216', foreground: '#d8dee9', cursor: '#d8dee9', selectionBackground: '#3b4252' },
  });
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.loadAddon(new WebLinksAddon.WebLinksAddon());
  // OSC 52 from the host writes the clipboard; a request to read it gets nothing: a
  // shared session's other side has no business reading this machine's clipboard.
  term.loadAddon(new ClipboardAddon.ClipboardAddon(undefined, {
    readText: () => '',
    writeText: (_selection, text) => writeClipboard(text),
  }));
  const unicode11 = new Unicode11Addon.Unicode11Addon();
  term.loadAddon(unicode11);
  term.unicode.activeVersion = '11';
  term.open(el.terminal);

  if (params.get('renderer') !== 'dom') {
    // WebGL draws faster; without it (or once its context is lost) the DOM renderer
    // stays, which is what a blank terminal after a GPU reset would otherwise be.
    try {
      const webgl = new WebglAddon.WebglAddon();
      webgl.onContextLoss(() => webgl.dispose());
      term.loadAddon(webgl);
    } catch (e) {
      console.warn('tandem: no WebGL here, drawing with the DOM renderer');
    }
  }
  term.onTitleChange((title) => { document.title = title || 'tandem'; });

  // ---- messages ----

  function message(op, length) {
    const bytes = new Uint8Array(1 + length);
    bytes[0] = op;
    return { bytes, view: new DataView(bytes.buffer) };
  }

  function hello(cols, rows) {
    const t = encoder.encode(token);
    const m = message(OP.hello, 5 + t.length);
    m.bytes[1] = PROTOCOL_VERSION;
    m.view.setUint16(2, cols);
    m.view.setUint16(4, rows);
    m.bytes.set(t, 6);
    return m.bytes;
  }

  function resizeMessage(cols, rows) {
    const m = message(OP.resize, 4);
    m.view.setUint16(1, cols);
    m.view.setUint16(3, rows);
    return m.bytes;
  }

  function ackMessage(seq) {
    const m = message(OP.ack, 4);
    m.view.setUint32(1, seq);
    return m.bytes;
  }

  // INPUT in pieces under the relay's bound, never cutting a UTF-8 sequence.
  function inputMessages(bytes, isUtf8) {
    const pieces = [];
    const room = MAX_MESSAGE - 1;
    for (let at = 0; at < bytes.length;) {
      let end = Math.min(at + room, bytes.length);
      if (isUtf8 && end < bytes.length) {
        while (end > at && (bytes[end] & 0xc0) === 0x80) --end;  // back to a sequence's first byte
      }
      const m = message(OP.input, end - at);
      m.bytes.set(bytes.subarray(at, end), 1);
      pieces.push(m.bytes);
      at = end;
    }
    return pieces;
  }

  function parseJson(bytes) {
    try {
      const v = JSON.parse(decoder.decode(bytes));
      return v && typeof v === 'object' ? v : {};
    } catch (e) {
      return {};
    }
  }

  // ---- the connection ----

  let ws = null;
  let attempt = 0;             // reconnections since the last WELCOME
  let retryTimer = null;
  let retryAt = 0;
  let openedAt = 0;
  let lastHeard = 0;
  let lostAt = 0;              // when the last welcomed connection went
  let everWelcomed = false;
  let ended = null;            // why the page gave up, for good
  let sentSize = { cols: 0, rows: 0 };

  function wsUrl() {
    const url = new URL('ws', location.href);  // next to the page, whatever path a proxy put it under
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = '';
    url.hash = '';
    return url.href;
  }

  function send(sock, bytes) {
    if (sock === ws && sock.readyState === WebSocket.OPEN) sock.send(bytes);
  }

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (ended) return;
    let sock;
    try {
      sock = new WebSocket(wsUrl());
    } catch (e) {
      lost();
      return;
    }
    sock.binaryType = 'arraybuffer';
    ws = sock;
    openedAt = Date.now();
    sock.onopen = () => {
      if (sock !== ws) return;
      lastHeard = Date.now();
      refit();
      sentSize = { cols: term.cols, rows: term.rows };
      send(sock, hello(term.cols, term.rows));
    };
    sock.onmessage = (event) => {
      if (sock !== ws || !(event.data instanceof ArrayBuffer)) return;
      lastHeard = Date.now();
      receive(sock, new Uint8Array(event.data));
    };
    sock.onclose = () => {
      if (sock !== ws) return;
      ws = null;
      lost();
    };
    showStatus();
  }

  function lost() {
    if (state.connected) lostAt = Date.now();
    state.connected = false;
    if (!ended) {
      const base = RECONNECT_DELAYS_S[Math.min(attempt, RECONNECT_DELAYS_S.length - 1)];
      const delay = base * 1000 * (1 + RECONNECT_JITTER * (2 * Math.random() - 1));
      ++attempt;
      retryAt = Date.now() + delay;
      retryTimer = setTimeout(connect, delay);
    }
    showStatus();
  }

  function receive(sock, bytes) {
    if (bytes.length === 0) return;
    const body = bytes.subarray(1);
    switch (bytes[0]) {
      case OP.welcome: {
        const w = parseJson(body);
        state.role = w.role === 'rw' ? 'rw' : 'ro';
        state.name = String(w.name || '');
        state.session = String(w.session || '');
        state.notice = '';
        state.connected = true;
        everWelcomed = true;
        attempt = 0;
        term.options.disableStdin = state.role !== 'rw';
        el.badge.hidden = state.role === 'rw';
        el.keys.hidden = !(touchScreen && state.role === 'rw');  // keys a read-only mate cannot send
        // Reset in the write queue, so no frame of an older connection lands after it:
        // RIS clears the screen, the modes and the scrollback; the next FRAME is whole.
        term.clearSelection();
        term.write('\x1bc');
        if (term.cols !== sentSize.cols || term.rows !== sentSize.rows) sendResize(term.cols, term.rows);
        break;
      }
      case OP.frame: {
        if (body.length < 4) return;
        const seq = new DataView(body.buffer, body.byteOffset, 4).getUint32(0);
        ++state.frames;
        term.write(body.subarray(4), () => send(sock, ackMessage(seq)));
        break;
      }
      case OP.notice:
        state.notice = String(parseJson(body).text || '');
        break;
      case OP.bye: {
        const b = parseJson(body);
        const reason = String(b.reason || 'the relay closed the connection');
        if (b.again === true) {
          attempt = 0;  // the relay restarts: back in a second
          state.notice = reason;
        } else if (!state.connected && everWelcomed && Date.now() - lostAt < LATE_REFUSAL_GRACE_MS) {
          // Refused on the way back: a relay just restarted may not have its sessions
          // again until their hosts return. Keep trying for a while, every few seconds:
          // this relay is up and answers.
          state.notice = reason;
          attempt = Math.min(attempt, REFUSED_RETRY_STEP);
        } else {
          const why = reason.replace(/^\[(.*)\]$/s, '$1').replace(/^tandem: /, '');  // as a terminal mate sees it
          ended = everWelcomed && !/^(the )?session (has )?ended/.test(why) ? 'session ended: ' + why : why;
          state.notice = '';
        }
        sock.close();
        break;
      }
      case OP.keepalive:
      default:
        break;  // heard: that is all a keepalive says; unknown opcodes are a later relay's
    }
    showStatus();
  }

  function sendResize(cols, rows) {
    if (!ws || !state.connected) return;
    sentSize = { cols, rows };
    send(ws, resizeMessage(cols, rows));
  }

  function sendInput(bytes, isUtf8) {
    if (!ws || state.role !== 'rw') return;  // read-only: the relay would drop it anyway
    for (const m of inputMessages(bytes, isUtf8)) send(ws, m);
  }

  function sendText(text) { sendInput(encoder.encode(text), true); }

  term.onData((data) => sendText(withModifiers(data)));
  term.onBinary((data) => sendInput(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff), false));
  term.onResize(({ cols, rows }) => sendResize(cols, rows));

  // ---- the status line: shown only when something is worth saying ----

  function pageStatus(now) {
    if (!token) return 'this link has no token: ask for the full link';
    if (ended) return ended;
    if (ws && !state.connected) {
      return now - openedAt >= CONNECTING_SHOWN_MS || everWelcomed ? 'connecting…' : '';
    }
    if (!ws && retryTimer) return `reconnecting in ${Math.max(1, Math.ceil((retryAt - now) / 1000))}s…`;
    const silent = Math.floor((now - lastHeard) / 1000);
    if (state.connected && silent > SILENCE_SHOWN_S) return `last contact ${silent}s ago`;
    return '';
  }

  function showStatus() {
    const now = Date.now();
    state.status = pageStatus(now);
    const text = [state.status, state.notice].filter(Boolean).join(' · ');
    if (el.status.textContent !== text) el.status.textContent = text;
    el.status.hidden = text === '';
    if (!state.connected && ended) el.badge.hidden = true;
  }

  setInterval(() => {
    if (ws && state.connected && Date.now() - lastHeard > SILENCE_GIVE_UP_S * 1000) ws.close();
    showStatus();
  }, TICK_MS);

  // ---- size ----

  function refit() {
    try {
      fit.fit();
    } catch (e) {
      // not laid out yet (a hidden tab): the next resize fits
    }
  }

  let resizeTimer = null;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(refit, RESIZE_DEBOUNCE_MS);
  }).observe(el.screen);

  // ---- copy and paste ----

  function writeClipboard(text) {
    // execCommand works from a key press on plain http too (navigator.clipboard needs
    // https or localhost); its copy event carries our text.
    let done = false;
    const onCopy = (e) => {
      e.clipboardData.setData('text/plain', text);
      e.preventDefault();
      done = true;
    };
    document.addEventListener('copy', onCopy, true);
    try {
      document.execCommand('copy');
    } catch (e) {
      // not allowed here: try the async API below
    }
    document.removeEventListener('copy', onCopy, true);
    if (!done && navigator.clipboard) return navigator.clipboard.writeText(text).catch(() => {});
    return Promise.resolve();
  }

  // Ctrl+Shift+C copies the selection; Ctrl+Shift+V is left to the browser, whose
  // paste event xterm.js turns into input (bracketed if the program asked). Plain
  // Ctrl+C and Ctrl+V stay the terminal's (interrupt, literal next).
  term.attachCustomKeyEventHandler((e) => {
    if (!e.ctrlKey || !e.shiftKey || e.altKey || e.metaKey) return true;
    if (e.code === 'KeyC') {
      if (e.type === 'keydown') {
        e.preventDefault();
        const selection = term.getSelection();
        if (selection) writeClipboard(selection);
      }
      return false;
    }
    return e.code !== 'KeyV';
  });

  // ---- touch screens: a key bar and swipe scrolling ----

  const touchScreen = matchMedia('(pointer: coarse)').matches;
  const sticky = { ctrl: false, alt: false };

  function setSticky(name, on) {
    sticky[name] = on;
    el.keys.querySelector(`[data-sticky="${name}"]`).setAttribute('aria-pressed', String(on));
  }

  function controlOf(ch) {
    const c = ch.charCodeAt(0);
    if (c >= 0x61 && c <= 0x7a) return String.fromCharCode(c - 0x60);  // a-z
    if (c >= 0x40 && c <= 0x5f) return String.fromCharCode(c - 0x40);  // @A-Z[\]^_
    if (ch === ' ' || ch === '2') return '\x00';
    if (ch >= '3' && ch <= '7') return String.fromCharCode(c - 0x33 + 0x1b);
    if (ch === '8' || ch === '?') return '\x7f';
    return ch;
  }

  // Keys typed after a tap on the bar's Ctrl or Alt carry it, once.
  function withModifiers(data) {
    if (!sticky.ctrl && !sticky.alt) return data;
    let out = data;
    if (sticky.ctrl && [...data].length === 1) out = controlOf(data);
    if (sticky.alt) out = '\x1b' + out;
    setSticky('ctrl', false);
    setSticky('alt', false);
    return out;
  }

  function arrow(letter) {
    const mod = 1 + (sticky.alt ? 2 : 0) + (sticky.ctrl ? 4 : 0);
    setSticky('ctrl', false);
    setSticky('alt', false);
    if (mod > 1) return `\x1b[1;${mod}${letter}`;
    return (term.modes.applicationCursorKeysMode ? '\x1bO' : '\x1b[') + letter;
  }

  const KEYS = {
    esc: () => withModifiers('\x1b'),
    tab: () => withModifiers('\t'),
    up: () => arrow('A'),
    down: () => arrow('B'),
    right: () => arrow('C'),
    left: () => arrow('D'),
  };

  if (touchScreen) {
    el.keys.hidden = false;
    // A tap on the bar must not take the focus (the soft keyboard would close).
    el.keys.addEventListener('pointerdown', (e) => e.preventDefault());
    el.keys.addEventListener('mousedown', (e) => e.preventDefault());
    el.keys.addEventListener('click', (e) => {
      const b = e.target.closest('button');
      if (!b) return;
      if (b.dataset.sticky) {
        setSticky(b.dataset.sticky, !sticky[b.dataset.sticky]);
      } else if (b.dataset.key) {
        sendText(KEYS[b.dataset.key]());
      } else if (b.dataset.text) {
        sendText(withModifiers(b.dataset.text));
      }
      term.focus();
    });

    // A vertical swipe scrolls the history, a line per cell height moved.
    let lastY = null;
    let pending = 0;
    el.screen.addEventListener('touchstart', (e) => {
      lastY = e.touches.length === 1 ? e.touches[0].clientY : null;
      pending = 0;
    }, { passive: true, capture: true });
    el.screen.addEventListener('touchmove', (e) => {
      if (lastY === null || e.touches.length !== 1) return;
      const y = e.touches[0].clientY;
      pending += lastY - y;
      lastY = y;
      const cell = el.terminal.querySelector('.xterm-screen').clientHeight / term.rows || 16;
      const lines = Math.trunc(pending / cell);
      if (lines !== 0) {
        term.scrollLines(lines);
        pending -= lines * cell;
      }
      e.preventDefault();
      e.stopPropagation();
    }, { passive: false, capture: true });
    el.screen.addEventListener('touchend', () => { lastY = null; }, { capture: true });
  }

  // ---- start ----

  window.tandem = { term, state: () => ({ ...state }) };
  window.addEventListener('hashchange', () => location.reload());  // another link pasted into this tab
  window.addEventListener('online', () => { if (!ws && retryTimer) connect(); });
  refit();
  if (!touchScreen) term.focus();  // on a phone the keyboard opens at the user's tap, not by itself
  if (token) {
    connect();
  } else {
    showStatus();
  }
})();
