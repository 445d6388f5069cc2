// Opens the live page of a running `stingwatch watch` in headless Debian Chromium, waits for a
// high-severity finding to arrive (through server-sent events: the page is opened before it exists),
// shares the browser's location (granted, set by the test) through the page's button,
// downloads the first recording as pcapng through the page's link, saves a screenshot, and
// prints what it saw as one JSON object on stdout for the Rust test (tests/watch_browser.rs).
//
// usage: node watch_page.mjs URL TOKEN SCREENSHOT.png DOWNLOAD.pcapng
// env:   CHROMIUM (default /usr/bin/chromium)

import { withChromium } from './chromium.mjs';

const [url, token, shot, download] = process.argv.slice(2);
if (!download) {
  console.error('usage: node watch_page.mjs URL TOKEN SCREENSHOT.png DOWNLOAD.pcapng');
  process.exit(2);
}

await withChromium('watch', {
  acceptDownloads: true,
  viewport: { width: 1000, height: 1100 },
  // The page's location button: the browser grants it and reports this position.
  permissions: ['geolocation'],
  geolocation: { latitude: 52.5163, longitude: 13.3777, accuracy: 12 },
}, async (page) => {
  const foreign = [];
  const errors = [];
  page.on('request', (r) => { if (!r.url().startsWith(url)) foreign.push(r.url()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  await page.goto(`${url}/?token=${encodeURIComponent(token)}`, { waitUntil: 'load' });
  const atLoad = await page.locator('.finding').count();
  await page.waitForSelector('#live:text("(live)")', { timeout: 20000 });
  // A high-severity finding's card appears without reloading the page.
  await page.waitForFunction(() => document.querySelectorAll('.finding.high').length > 0, null, { timeout: 30000 });
  const cards = await page.locator('.finding').allInnerTexts();
  // Status fills in, and the recordings list has a pcapng link.
  await page.waitForFunction(() => document.querySelectorAll('#recs a.dl').length >= 2, null, { timeout: 20000 });
  const status = {
    messages: await page.locator('#s-msgs').innerText(),
    cell: await page.locator('#s-cell').innerText(),
    recording: await page.locator('#s-rec').innerText(),
  };
  // Sharing the location posts it to /api/gps; the status shows it back from the server.
  await page.click('#locate');
  await page.waitForFunction(() => document.getElementById('s-pos').textContent.includes('52.51630'), null, { timeout: 20000 });
  status.position = await page.locator('#s-pos').innerText();
  const link = page.locator('#recs a.dl', { hasText: 'pcapng' }).first();
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 20000 }), link.click()]);
  await dl.saveAs(download);
  await page.screenshot({ path: shot, fullPage: true });
  console.log(JSON.stringify({ atLoad, cards, status, foreign, errors, suggested: dl.suggestedFilename() }));
});
