// The browser half of TestBrowserEmbed (browser_test.go): headless Debian
// Chromium, driven by playwright-core, opens a page on an allowed origin and
// a page on another origin, both framing the same embed, and prints one JSON
// line with what each could do.
import { chromium } from 'playwright-core';

const cfg = JSON.parse(process.argv[2]);

// visit opens url, waits for its frame to load and for the page's own
// script, and reports whether the embed rendered in the frame.
async function visit(browser, url, token) {
  const page = await browser.newPage();
  const console = [];
  page.on('console', (m) => console.push(m.text()));
  await page.goto(url);
  await page.waitForFunction(() => window.frameLoaded === true, null, { timeout: 10000 });
  const frame = await (await page.$('iframe')).contentFrame();
  const framed = await frame
    .evaluate(() => document.querySelector('#embed')?.textContent ?? null)
    .catch(() => null);
  const result = await page.evaluate((t) => window.run(t), token);
  await page.close();
  return { framed, result, cspRefused: console.some((c) => c.includes('frame-ancestors')) };
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const allowed = await visit(browser, cfg.allowedPage, '');
  const other = await visit(browser, cfg.otherPage, allowed.result.token || '');
  console.log(JSON.stringify({ allowed, other }));
} finally {
  await browser.close();
}
