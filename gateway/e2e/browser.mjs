// Loads KW_PAGE in Debian's headless Chromium (playwright-core), starts its
// socket.io client with KW_TOKEN, prints a "ready" line once the client has
// upgraded to WebSocket, then waits for the broadcast "news" and prints what
// the page saw.
import { chromium } from "playwright-core";

const env = process.env;
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await ctx.newPage();
  await page.goto(env.KW_PAGE);
  const protocol = await page.evaluate(() => performance.getEntriesByType("navigation")[0].nextHopProtocol);
  await page.evaluate((token) => window.start(token), env.KW_TOKEN);
  await page.waitForFunction(() => window.state.upgraded || window.state.error, null, { timeout: 15000 });
  console.log(JSON.stringify({ ready: true, protocol }));
  await page.waitForFunction(() => window.state.news || window.state.error, null, { timeout: 15000 });
  const state = await page.evaluate(() => window.state);
  console.log(JSON.stringify({ protocol, ...state }));
} catch (e) {
  console.log(JSON.stringify({ error: String(e && e.message || e) }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
