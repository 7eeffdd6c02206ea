// The browser echo: headless Chromium (Debian's, driven by playwright-core) opens a
// read-write web link; keys pressed one at a time go into `cat` on the host, and each
// is timed in the page from its keydown to the moment xterm.js has parsed the frame
// that shows it. Prints one JSON line. Run by `tandem-bench web --echo N`, which
// starts the relay and the host.
// usage: PLAYWRIGHT=.../node_modules/playwright-core/index.mjs node bench/web_echo.mjs URL KEYS NET
const [url, keysArg, net] = process.argv.slice(2);
const keys = Number(keysArg || 50);
const { chromium } = await import(process.env.PLAYWRIGHT || 'playwright-core');

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const fail = async (why) => {
  console.log(JSON.stringify({ bench: 'web_echo', error: why }));
  await browser.close();
  process.exit(1);
};
const bounded = (ms, what, p) => Promise.race([p, new Promise((_, no) => setTimeout(() => no(new Error(what)), ms))]);
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 500 } });
  await page.goto(url);
  await bounded(20000, 'the page shows no prompt', page.waitForFunction(() => {
    const t = window.tandem && window.tandem.term;
    if (!t) return false;
    const b = t.buffer.active;
    return b.getLine(b.cursorY + b.baseY).translateToString(true).trim() === '';  // cat waits on an empty line
  }));
  await page.evaluate(() => {
    const term = window.tandem.term;
    window.echo = { t0: 0, want: 0, times: [] };
    document.addEventListener('keydown', () => { window.echo.t0 = performance.now(); }, true);
    term.onWriteParsed(() => {
      const e = window.echo;
      if (!e.want) return;
      const b = term.buffer.active;
      const line = b.getLine(b.cursorY + b.baseY).translateToString(true);
      if (line.length >= e.want) {
        e.times.push(performance.now() - e.t0);
        e.want = 0;
      }
    });
  });
  await page.click('body');
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (let i = 0; i < keys; i++) {
    const col = i % 40;
    if (col === 0 && i > 0) {
      await page.keyboard.press('Enter');  // cat prints the line; type on the next
      await page.waitForTimeout(300);
    }
    await page.evaluate((n) => { window.echo.want = n; }, col + 1);
    await page.keyboard.press(letters[i % letters.length]);
    await bounded(10000, `key ${i} never showed`, page.waitForFunction(
      (n) => window.echo.times.length >= n, i + 1, { polling: 5 }));
    await page.waitForTimeout(30);
  }
  const times = (await page.evaluate(() => window.echo.times)).sort((a, b) => a - b);
  const pct = (p) => Math.round(times[Math.min(times.length - 1, Math.floor(p * (times.length - 1) + 0.5))] * 100) / 100;
  console.log(JSON.stringify({ bench: 'web_echo', net, keys: times.length, p50_ms: pct(0.5), p90_ms: pct(0.9),
    p99_ms: pct(0.99), goal_p50_ms: 5 }));
  await browser.close();
} catch (e) {
  await fail(String(e.message || e));
}
