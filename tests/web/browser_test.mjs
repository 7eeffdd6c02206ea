// The web page end to end: a real `tandem relay` with its web port, real hosts
// sharing bash (each in a tmux server of its own, whose screen is what we read), and
// headless Chromium (Debian's, driven by playwright-core) opening the web links the
// hosts print. The page is opened with ?renderer=dom so its screen is text we can
// read (window.tandem.term.buffer). Loopback only; every wait is bounded and every
// process started here is stopped at the end.
//
// usage: npm ci --prefix tests/web --ignore-scripts --no-audit --no-fund   (once)
//        TANDEM=build/src/tandem WEB_SHOTS=DIR node --test tests/web/browser_test.mjs
// (KEEP_WORK=1 keeps the relay's log and the hosts' files for a look after.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';

const tandem = process.env.TANDEM ? path.resolve(process.env.TANDEM) : '';
const shots = path.resolve(process.env.WEB_SHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-web-shots-')));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-web-'));
const skip = !tandem ? 'TANDEM (the tandem binary) is not set' : !fs.existsSync('/usr/bin/chromium') ? 'no /usr/bin/chromium' : false;

const WAIT_MS = 20000;  // any one thing we wait for
const TEST_MS = 90000;  // one test
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const sockets = new Set();  // tmux servers we started
let relay = null;           // { proc, ssh, udp, web, fp }
let browser = null;

// ---- waiting ----

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, check, ms = WAIT_MS) {
  const until = Date.now() + ms;
  let last;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > until) throw new Error(`timed out (${ms / 1000} s) waiting for ${what}`);
    await sleep(50);
  }
}

// ---- tmux: the host's terminal ----

function tmux(socket, ...args) {
  return execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', timeout: 10000 });
}

// Stops a tmux server and removes its socket file (kill-server leaves it behind).
function killTmux(socket) {
  try { tmux(socket, 'kill-server'); } catch (e) { /* already gone */ }
  const dir = path.join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid()}`);
  fs.rmSync(path.join(dir, socket), { force: true });
  sockets.delete(socket);
}

function hostScreen(socket) {
  try {
    return tmux(socket, 'capture-pane', '-p');
  } catch (e) {
    return '';
  }
}

const lines = (text) => text.split('\n').map((l) => l.trimEnd());
const countLines = (text, line) => lines(text).filter((l) => l === line).length;

// ---- the relay and hosts ----

async function startRelay(ports = { ssh: 0, udp: 0, web: 0 }) {
  const out = path.join(work, 'relay.out');
  fs.writeFileSync(out, '');
  const proc = spawn(tandem, ['relay', '--listen', `127.0.0.1:${ports.ssh}`, '--udp-port', String(ports.udp),
    '--web-listen', `127.0.0.1:${ports.web}`, '--state-dir', path.join(work, 'state')], {
    stdio: ['ignore', fs.openSync(out, 'w'), fs.openSync(path.join(work, 'relay.log'), 'a')],
  });
  const text = await waitFor('the relay to start', () => {
    const t = fs.readFileSync(out, 'utf8');
    return /relay-fingerprint/.test(t) && t;
  });
  relay = {
    proc,
    ssh: Number(text.match(/SSH on 127\.0\.0\.1:(\d+),/)[1]),
    udp: Number(text.match(/UDP on port (\d+),/)[1]),
    web: Number(text.match(/^web on 127\.0\.0\.1:(\d+):/m)[1]),
    fp: text.match(/^key (\S+)/m)[1],
  };
  return relay;
}

async function stopRelay() {
  if (!relay) return;
  const { proc } = relay;
  relay = null;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await Promise.race([gone, sleep(5000)]);
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
}

// A host sharing bash through the relay, in a tmux of COLSxROWS; returns its links.
async function startHost(name, { args = [], cols = 80, rows = 24 } = {}) {
  const home = path.join(work, `home-${name}`);
  fs.mkdirSync(path.join(home, '.config/tandem'), { recursive: true });
  fs.writeFileSync(path.join(home, '.config/tandem/config'),
    `relay-host = 127.0.0.1\nrelay-port = ${relay.ssh}\nrelay-fingerprint = ${relay.fp}\n`);
  const linksFile = path.join(work, `links-${name}`);
  const socket = `tw-${name}-${process.pid}`;
  sockets.add(socket);
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  tmux(socket, 'new-session', '-d', '-x', String(cols), '-y', String(rows),
    `cd ${q(work)}; env -u TANDEM PS1='$ ' HOME=${q(home)} ${q(tandem)} --links-file ${q(linksFile)} ` +
    `${args.map(q).join(' ')} -- bash --norc --noprofile; sleep 60`);
  const links = await waitFor(`${name}'s links`, () => {
    const t = fs.existsSync(linksFile) ? fs.readFileSync(linksFile, 'utf8') : '';
    return /^fingerprint /m.test(t) && t;
  });
  const link = (kind) => (links.match(new RegExp(`^${kind} (\\S+)$`, 'm')) || [])[1];
  await waitFor(`${name}'s prompt`, () => /^\$ ?$/m.test(hostScreen(socket)));
  return {
    socket, rw: link('web-rw'), ro: link('web-ro'),
    keys: (...k) => tmux(socket, 'send-keys', ...k),
    stop: () => killTmux(socket),
  };
}

// A reverse proxy serving the relay's web port under /tandem/ (as nginx would with
// `location /tandem/ { proxy_pass http://relay/; }`), WebSocket upgrades included.
async function startProxy(prefix, port) {
  const server = http.createServer((req, res) => {
    if (!req.url.startsWith(prefix)) {
      res.writeHead(404);
      res.end();
      return;
    }
    const up = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url.slice(prefix.length - 1),
      headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('upgrade', (req, sock, head) => {
    const up = net.connect(port, '127.0.0.1', () => {
      let h = `${req.method} ${req.url.slice(prefix.length - 1)} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) h += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      up.write(h + '\r\n');
      up.write(head);
      sock.pipe(up).pipe(sock);
    });
    up.on('error', () => sock.destroy());
    sock.on('error', () => up.destroy());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

// ---- the page ----

// The link with ?renderer=dom before its fragment: the screen as readable text.
const domLink = (link) => link.replace('/#', '/?renderer=dom#');

async function openPage(link, contextOptions = { viewport: { width: 900, height: 500 } }, { dom = true, clock = false } = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  if (clock) await page.clock.install();  // time runs, and the test may jump it forward
  // Every INPUT the page sends, as a string of its bytes (window.sentInput).
  await page.addInitScript(() => {
    const send = WebSocket.prototype.send;
    window.sentInput = [];
    WebSocket.prototype.send = function (data) {
      const b = new Uint8Array(data.buffer || data, data.byteOffset || 0, data.byteLength);
      if (b[0] === 0x49) window.sentInput.push(String.fromCharCode(...b.subarray(1)));
      return send.call(this, data);
    };
  });
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(e.message));
  page.logged = [];
  page.on('console', (m) => {
    page.logged.push(m.text());
    if (m.type() === 'error') page.problems.push(m.text());
  });
  page.requests = [];  // every URL the page asked for, sockets too
  page.on('request', (r) => page.requests.push(r.url()));
  page.on('websocket', (w) => page.requests.push(w.url()));
  await page.goto(dom ? domLink(link) : link, { timeout: WAIT_MS });
  return page;
}

const pageState = (page) => page.evaluate(() => window.tandem.state());
const pageText = (page) => page.evaluate(() => {
  const b = window.tandem.term.buffer.active;
  const out = [];
  for (let i = 0; i < b.length; ++i) out.push(b.getLine(i).translateToString(true));
  return out.join('\n');
});
const pageSize = (page) => page.evaluate(() => ({ cols: window.tandem.term.cols, rows: window.tandem.term.rows }));

async function waitOnPage(page, what, re) {
  return waitFor(`${what} on the page`, async () => re.test(await pageText(page)));
}

async function welcomed(page, role) {
  await waitFor(`the page to join (${role})`, async () => {
    const s = await pageState(page);
    return s.connected && s.role === role && s.frames > 0;
  });
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

// Nothing on the page leaked the token: no request URL, no console line.
function assertTokenKept(page, link) {
  const token = link.split('#')[1];
  for (const url of page.requests) assert.ok(!url.includes(token), `a request carried the token: ${url}`);
  for (const line of page.logged) assert.ok(!line.includes(token), `the console showed the token: ${line}`);
}

// ---- the tests ----

before(async () => {
  if (skip) return;
  fs.mkdirSync(shots, { recursive: true });
  await startRelay();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: WAIT_MS });
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  for (const s of [...sockets]) killTmux(s);
  await stopRelay();
  if (process.env.KEEP_WORK) {
    console.log(`work dir kept: ${work}`);
  } else {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('the page shows the host\'s screen and output', { skip, timeout: TEST_MS }, async () => {
  const host = await startHost('show');
  const page = await openPage(host.rw);
  await welcomed(page, 'rw');
  host.keys('echo from-host-$((1+2))', 'Enter');
  await waitOnPage(page, 'the host\'s output', /^from-host-3$/m);
  assert.equal(await page.title(), 'tandem');
  host.keys("printf '\\033]2;%s\\007' shared-$((5*5))", 'Enter');
  await waitFor('the window title', async () => (await page.title()) === 'shared-25');
  // Wide characters take two cells on the page as in the host's terminal (unicode 11).
  host.keys("printf '\\360\\237\\230\\200|\\344\\275\\240|wide-%s\\n' ok", 'Enter');
  await waitOnPage(page, 'wide characters', /wide-ok$/m);
  const cells = await page.evaluate(() => {
    const b = window.tandem.term.buffer.active;
    for (let i = b.length - 1; i >= 0; --i) {
      const line = b.getLine(i);
      if (line.translateToString(true).endsWith('wide-ok')) {
        return [0, 2, 3, 5].map((x) => `${line.getCell(x).getChars()}:${line.getCell(x).getWidth()}`);
      }
    }
    return null;
  });
  assert.deepEqual(cells, ['😀:2', '|:1', '你:2', '|:1']);
  assert.ok(countLines(hostScreen(host.socket), '😀|你|wide-ok') === 1, hostScreen(host.socket));
  const s = await pageState(page);
  assert.equal(s.status, '', 'no status line while all is well');
  assert.equal(await page.isVisible('#status'), false);
  assert.equal(await page.isVisible('#badge'), false, 'no read-only badge for a read-write mate');
  assert.equal(await page.isVisible('#keys'), false, 'no key bar without a touch screen');
  assertTokenKept(page, host.rw);
  assert.deepEqual(page.problems, []);
  await shot(page, 'show');
  await page.context().close();
  host.stop();
});

test('the default renderer (WebGL, or the DOM if WebGL fails) draws without errors', { skip, timeout: TEST_MS },
  async () => {
    const host = await startHost('webgl');
    const page = await openPage(host.ro, undefined, { dom: false });
    await welcomed(page, 'ro');
    host.keys('echo drawn-$((2*3))', 'Enter');
    await waitOnPage(page, 'the host\'s output', /^drawn-6$/m);
    await sleep(300);
    assert.deepEqual(page.problems, []);
    await shot(page, 'webgl');
    const domRows = () => page.evaluate(() => document.querySelector('#terminal .xterm-rows')?.textContent || '');
    const lose = () => page.evaluate(() => {
      for (const c of document.querySelectorAll('#terminal canvas')) {
        const gl = c.getContext('webgl2');
        const ext = gl && gl.getExtension('WEBGL_lose_context');
        if (ext) {
          ext.loseContext();
          return true;
        }
      }
      return false;
    });
    if (await lose()) {
      // A lost context (a GPU reset, too many tabs) leaves the DOM renderer drawing.
      assert.ok(!(await domRows()).includes('drawn-6'), 'WebGL was not drawing');
      host.keys('echo again-$((3*3))', 'Enter');
      await waitFor('the DOM renderer to draw', async () => (await domRows()).includes('again-9'));
      await shot(page, 'webgl-lost');
    }
    await page.context().close();
    host.stop();
  });

test('a read-write page types into the host, and each line runs once', { skip, timeout: TEST_MS }, async () => {
  const host = await startHost('rw');
  const page = await openPage(host.rw);
  await welcomed(page, 'rw');
  await page.click('#terminal');
  await page.keyboard.type('echo hi-$((6*7))');
  await page.keyboard.press('Enter');
  await waitFor('hi-42 on the host', () => countLines(hostScreen(host.socket), 'hi-42') > 0);
  await waitOnPage(page, 'hi-42', /^hi-42$/m);
  await sleep(500);  // a second run would show by now
  assert.equal(countLines(hostScreen(host.socket), 'hi-42'), 1, hostScreen(host.socket));
  assert.equal(countLines(await pageText(page), 'hi-42'), 1);
  await shot(page, 'rw');
  await page.context().close();
  host.stop();
});

test('a page that joins late gets the history; a flood of output ends on the host\'s last screen',
  { skip, timeout: TEST_MS }, async () => {
    const host = await startHost('flood');
    host.keys('seq -f early-%g 1 300', 'Enter');
    await waitFor('the host\'s output', () => countLines(hostScreen(host.socket), 'early-300') === 1);
    const page = await openPage(host.rw);
    await welcomed(page, 'rw');
    await waitOnPage(page, 'the start of the history', /^early-1$/m);
    const text = await pageText(page);
    for (const n of [1, 150, 300]) assert.equal(countLines(text, `early-${n}`), 1, `early-${n} in the history`);
    host.keys('seq 1 200000; echo done-$((6*6))', 'Enter');
    await waitFor('the flood to end on the page', async () => {
      const screen = lines(await pageText(page)).filter(Boolean);
      return screen.slice(-3).join('|') === '200000|done-36|$';
    }, 40000);
    await shot(page, 'flood');
    await page.context().close();
    host.stop();
  });

test('a big paste arrives whole, in pieces under the relay\'s bound', { skip, timeout: TEST_MS }, async () => {
  const host = await startHost('paste');
  const page = await openPage(host.rw);
  await welcomed(page, 'rw');
  host.keys(`cat > ${path.join(work, 'pasted')}`, 'Enter');
  await sleep(300);
  // 150 000 bytes with multi-byte characters: three INPUT messages at least.
  const line = 'tandem ✓ päste ' + 'x'.repeat(80);
  const text = Array.from({ length: 1500 }, (_, i) => `${i} ${line}`).join('\n') + '\n';
  await page.evaluate((t) => {
    const e = new ClipboardEvent('paste', { clipboardData: new DataTransfer(), bubbles: true, cancelable: true });
    e.clipboardData.setData('text/plain', t);
    document.querySelector('.xterm-helper-textarea').dispatchEvent(e);
  }, text);
  const file = path.join(work, 'pasted');
  await waitFor('the whole paste in the file', () => {
    const got = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    return got.includes('1499 ' + line);
  }, 40000);
  host.keys('C-d');
  await sleep(300);
  assert.equal(fs.readFileSync(file, 'utf8'), text);
  await page.context().close();
  host.stop();
});

test('Ctrl+Shift+C copies the selection (selecting alone does not), Ctrl+Shift+V pastes', { skip, timeout: TEST_MS },
  async () => {
    const host = await startHost('clip');
    const page = await openPage(host.rw, { viewport: { width: 900, height: 500 },
      permissions: ['clipboard-read', 'clipboard-write'] });
    await welcomed(page, 'rw');
    host.keys('echo copy-$((8*8))', 'Enter');
    await waitOnPage(page, 'the line to copy', /^copy-64$/m);
    const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
    await page.evaluate(() => navigator.clipboard.writeText('untouched'));
    await page.evaluate(() => {
      const t = window.tandem.term;
      const b = t.buffer.active;
      for (let i = b.length - 1; i >= 0; --i) {
        if (b.getLine(i).translateToString(true) === 'copy-64') return t.select(0, i, 7);
      }
    });
    assert.equal(await page.evaluate(() => window.tandem.term.getSelection()), 'copy-64');
    await sleep(200);
    assert.equal(await clipboard(), 'untouched', 'a selection copied by itself');
    await page.locator('.xterm-helper-textarea').focus();
    await page.keyboard.press('Control+Shift+C');
    await waitFor('the selection in the clipboard', async () => (await clipboard()) === 'copy-64', 5000);
    await page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((9*9))'));
    await page.keyboard.press('Control+Shift+V');
    await waitFor('the paste on the host\'s line', () => /^\$ echo pasted-\$\(\(9\*9\)\)$/m.test(hostScreen(host.socket)),
      5000);
    await page.keyboard.press('Enter');
    await waitFor('the pasted line to run', () => countLines(hostScreen(host.socket), 'pasted-81') === 1);
    await shot(page, 'clipboard');
    await page.context().close();
    host.stop();
  });

test('a silent relay shows the last contact; a link silent too long is dropped and joined again',
  { skip, timeout: TEST_MS }, async () => {
    const host = await startHost('silent');
    const page = await openPage(host.ro, undefined, { clock: true });
    await welcomed(page, 'ro');
    await page.clock.fastForward(50000);
    await waitFor('"last contact"', async () => /^last contact \d+s ago$/.test((await pageState(page)).status), 5000);
    assert.equal(await page.isVisible('#status'), true);
    await shot(page, 'silent');
    await page.clock.fastForward(45000);
    await waitFor('the page to drop the link', async () => !(await pageState(page)).connected, 5000);
    await waitFor('the page to join again', async () => (await pageState(page)).connected);
    await waitFor('no status line', async () => (await pageState(page)).status === '');
    await page.context().close();
    host.stop();
  });

test('a read-only page shows the screen, and its typing reaches nothing', { skip, timeout: TEST_MS }, async () => {
  const host = await startHost('ro');
  const page = await openPage(host.ro);
  await welcomed(page, 'ro');
  assert.equal(await page.isVisible('#badge'), true, 'the read-only badge');
  const marker = path.join(work, 'ro-typed');
  await page.click('#terminal');
  await page.keyboard.type(`touch ${marker}`);
  await page.keyboard.press('Enter');
  // Past the page: a socket saying HELLO with the read-only token, then INPUT itself.
  const raw = new WebSocket(`ws://127.0.0.1:${relay.web}/ws`);
  const token = host.ro.split('#')[1];
  const ready = new Promise((resolve, reject) => {
    raw.on('message', (m) => { if (m[0] === 0x57) resolve(JSON.parse(m.subarray(1).toString())); });
    raw.on('error', reject);
  });
  raw.on('open', () => {
    const t = Buffer.from(token);
    raw.send(Buffer.concat([Buffer.from([0x48, 1, 0, 80, 0, 24]), t]));
  });
  const welcome = await Promise.race([ready, sleep(WAIT_MS).then(() => null)]);
  assert.equal(welcome && welcome.role, 'ro');
  raw.send(Buffer.concat([Buffer.from('I'), Buffer.from(`touch ${marker}-raw\r`)]));
  raw.send(Buffer.concat([Buffer.from('R'), Buffer.from([0, 20, 0, 5])]));
  await sleep(300);
  raw.close();
  host.keys('echo sync-$((7+1))', 'Enter');
  await waitOnPage(page, 'later output', /^sync-8$/m);
  assert.equal(fs.existsSync(marker), false, 'a read-only page\'s keys reached the shell');
  assert.equal(fs.existsSync(`${marker}-raw`), false, 'a read-only socket\'s INPUT reached the shell');
  assert.ok(!hostScreen(host.socket).includes('touch'), hostScreen(host.socket));
  assert.equal((await pageState(page)).role, 'ro');
  await shot(page, 'ro');
  await page.context().close();
  host.stop();
});

test('resizing the page resizes a --size smallest session', { skip, timeout: TEST_MS }, async () => {
  const host = await startHost('size', { args: ['--size', 'smallest'], cols: 120, rows: 40 });
  const page = await openPage(host.rw, { viewport: { width: 700, height: 420 } });
  await welcomed(page, 'rw');
  for (const viewport of [null, { width: 520, height: 300 }, { width: 800, height: 460 }]) {
    if (viewport) await page.setViewportSize(viewport);
    const size = await waitFor('the terminal to fit', async () => {
      const a = await pageSize(page);
      await sleep(300);
      const b = await pageSize(page);
      return a.cols === b.cols && a.rows === b.rows && b;
    });
    assert.ok(size.cols < 120 && size.rows < 40, JSON.stringify(size));
    host.keys('clear; stty size', 'Enter');
    await waitFor(`stty size to say ${size.rows} ${size.cols}`, () => {
      const screen = hostScreen(host.socket);
      return countLines(screen, `${size.rows} ${size.cols}`) === 1;
    });
    await waitOnPage(page, 'stty size', new RegExp(`^${size.rows} ${size.cols}$`, 'm'));
  }
  await shot(page, 'size');
  await page.context().close();
  host.stop();
});

test('behind a reverse proxy under a sub-path, the page finds its files and its socket', { skip, timeout: TEST_MS },
  async () => {
    const host = await startHost('proxy');
    const proxy = await startProxy('/tandem/', relay.web);
    try {
      const link = host.rw.replace(`http://127.0.0.1:${relay.web}/`, `http://127.0.0.1:${proxy.address().port}/tandem/`);
      const page = await openPage(link);
      await welcomed(page, 'rw');
      host.keys('echo proxied-$((2*8))', 'Enter');
      await waitOnPage(page, 'the host\'s output', /^proxied-16$/m);
      const prefix = `127.0.0.1:${proxy.address().port}/tandem/`;
      for (const url of page.requests) assert.ok(url.includes(prefix), `asked outside the sub-path: ${url}`);
      assert.ok(page.requests.some((u) => u === `ws://${prefix}ws`), page.requests.join(' '));
      assertTokenKept(page, host.rw);
      await page.context().close();
    } finally {
      proxy.closeAllConnections();
      proxy.close();
      host.stop();
    }
  });

test('the page tells a link without a token, or a wrong one, and does not retry', { skip, timeout: TEST_MS }, async () => {
  const base = `http://127.0.0.1:${relay.web}/`;
  const bare = await openPage(base);
  await waitFor('the no-token status', async () => /has no token/.test(await bare.textContent('#status')));
  assert.equal(bare.requests.filter((u) => u.includes('/ws')).length, 0, 'a page without a token connected');
  await shot(bare, 'no-token');
  await bare.context().close();
  const wrong = await openPage(`${base}#aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`);
  await waitFor('the wrong-token status', async () => /not valid/.test(await wrong.textContent('#status')));
  await sleep(2500);  // a retry would show as a second socket
  assert.equal(wrong.requests.filter((u) => u.includes('/ws')).length, 1);
  assert.equal((await pageState(wrong)).connected, false);
  await shot(wrong, 'wrong-token');
  await wrong.context().close();
});

test('a phone: the key bar\'s Ctrl then c interrupts sleep 100, a swipe scrolls', { skip, timeout: TEST_MS }, async () => {
  const host = await startHost('phone');
  const page = await openPage(host.rw, { viewport: { width: 390, height: 700 }, isMobile: true, hasTouch: true,
    deviceScaleFactor: 2 });
  await welcomed(page, 'rw');
  assert.equal(await page.isVisible('#keys'), true, 'the key bar on a touch screen');
  await page.tap('#terminal');
  await page.keyboard.type('sleep 100');
  await page.keyboard.press('Enter');
  await waitFor('sleep to run', () => /^\$ sleep 100$/m.test(hostScreen(host.socket)));
  await sleep(300);
  const lastSent = () => page.evaluate(() => window.sentInput[window.sentInput.length - 1]);
  await page.tap('#keys [data-sticky="ctrl"]');
  assert.equal(await page.getAttribute('#keys [data-sticky="ctrl"]', 'aria-pressed'), 'true');
  await page.keyboard.type('c');
  assert.equal(await page.getAttribute('#keys [data-sticky="ctrl"]', 'aria-pressed'), 'false', 'Ctrl is for one key');
  assert.equal(await lastSent(), '\x03');
  await page.keyboard.type('echo after-$((2+3))');
  await page.keyboard.press('Enter');
  await waitFor('the prompt back before 100 s', () => countLines(hostScreen(host.socket), 'after-5') === 1, 5000);
  assert.ok(hostScreen(host.socket).includes('^C'), hostScreen(host.socket));
  // The arrow key recalls the line just typed.
  await page.tap('#keys [data-key="up"]');
  const lastLine = () => lines(hostScreen(host.socket)).filter(Boolean).pop();
  await waitFor('the history recalled', () => lastLine() === '$ echo after-$((2+3))');
  assert.equal(await lastSent(), '\x1b[A');
  host.keys('C-c');
  // Keys for a program that asked for application cursor keys; Alt is an ESC before.
  host.keys("printf '\\033[?1h'", 'Enter');
  await waitFor('application cursor keys on the page',
    () => page.evaluate(() => window.tandem.term.modes.applicationCursorKeysMode));
  await page.tap('#keys [data-key="up"]');
  assert.equal(await lastSent(), '\x1bOA');
  await page.tap('#keys [data-sticky="ctrl"]');
  await page.tap('#keys [data-key="left"]');
  assert.equal(await lastSent(), '\x1b[1;5D');
  await page.tap('#keys [data-sticky="alt"]');
  await page.keyboard.type('b');
  assert.equal(await lastSent(), '\x1bb');
  await page.tap('#keys [data-text="|"]');
  assert.equal(await lastSent(), '|');
  host.keys('C-c');
  host.keys("printf '\\033[?1l'", 'Enter');
  host.keys('seq 1 200', 'Enter');
  await waitOnPage(page, 'seq', /^200$/m);
  await shot(page, 'phone');
  // A swipe down (finger moving down) shows earlier lines.
  const before = await waitFor('the history to arrive', async () => {
    const b = await page.evaluate(() => window.tandem.term.buffer.active.viewportY);
    return b >= 150 && b;
  });
  const box = await page.locator('#terminal').boundingBox();
  const cdp = await page.context().newCDPSession(page);
  const x = box.x + box.width / 2;
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y: box.y + 100 }] });
  for (let y = 100; y <= 400; y += 20) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y: box.y + y }] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  const afterSwipe = await page.evaluate(() => window.tandem.term.buffer.active.viewportY);
  assert.ok(afterSwipe < before - 5, `viewport ${before} -> ${afterSwipe}`);
  await shot(page, 'phone-scrolled');
  await page.context().close();
  host.stop();
});

test('the host\'s exit ends the page\'s session: it says so and does not reconnect', { skip, timeout: TEST_MS },
  async () => {
    const host = await startHost('exit');
    const page = await openPage(host.rw);
    await welcomed(page, 'rw');
    host.keys('exit', 'Enter');
    await waitFor('the page to say the session ended', async () => /ended/.test((await pageState(page)).status));
    await sleep(2500);  // a retry would show as a second socket
    const s = await pageState(page);
    assert.equal(s.connected, false);
    assert.match(s.status, /^session ended/);
    assert.equal(page.requests.filter((u) => u.endsWith('/ws')).length, 1);
    await shot(page, 'exit');
    await page.context().close();
    host.stop();
  });

test('the page comes back by itself when the relay restarts', { skip, timeout: 2 * TEST_MS }, async () => {
  const host = await startHost('restart');
  const page = await openPage(host.rw);
  await welcomed(page, 'rw');
  host.keys('echo before-$((1+1))', 'Enter');
  await waitOnPage(page, 'output before the restart', /^before-2$/m);
  const ports = { ssh: relay.ssh, udp: relay.udp, web: relay.web };
  await stopRelay();
  await waitFor('the page to notice', async () => /connecting|reconnecting/.test((await pageState(page)).status));
  await shot(page, 'restart-away');
  await startRelay(ports);
  // The host comes back on its own schedule, the page on its own: a minute at most.
  await waitFor('the page to join again', async () => (await pageState(page)).connected, 60000);
  host.keys('clear; echo back-$((3*3))', 'Enter');
  await waitOnPage(page, 'fresh output after the restart', /^back-9$/m);
  assert.ok(countLines(await pageText(page), 'before-2') <= 1, 'the history came twice');
  await page.click('#terminal');
  await page.keyboard.type('echo typed-$((4*4))');
  await page.keyboard.press('Enter');
  await waitFor('typing after the restart', () => countLines(hostScreen(host.socket), 'typed-16') === 1);
  await waitFor('no status line', async () => (await pageState(page)).status === '');
  await shot(page, 'restart-back');
  await page.context().close();
  host.stop();
});
