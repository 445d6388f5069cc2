// Opens the fleet server's page in headless Debian Chromium with a token, waits until the
// data is drawn, downloads the first finding's evidence as an HTML report and as an annotated
// pcapng through the page's buttons, saves a screenshot, and prints what it saw as one JSON
// object on stdout for the Rust test (tests/fleet_browser.rs).
//
// usage: node fleet_page.mjs URL TOKEN SCREENSHOT.png REPORT.html DOWNLOAD.pcapng
// env:   CHROMIUM (default /usr/bin/chromium)

import { withChromium } from './chromium.mjs';

const [url, token, shot, report, pcap] = process.argv.slice(2);
if (!pcap) {
  console.error('usage: node fleet_page.mjs URL TOKEN SCREENSHOT.png REPORT.html DOWNLOAD.pcapng');
  process.exit(2);
}

await withChromium('fleet', {
  acceptDownloads: true,
  viewport: { width: 1300, height: 1000 },
}, async (page) => {
  const foreign = [];
  const errors = [];
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(url) && !u.startsWith('blob:') && !u.startsWith('data:')) foreign.push(u);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  await page.goto(`${url}/`, { waitUntil: 'load' });
  await page.fill('#token', token);
  await page.click('#load');
  await page.waitForFunction(() => document.body.dataset.loaded, null, { timeout: 30000 });
  const loaded = await page.evaluate(() => document.body.dataset.loaded);
  const seen = {
    loaded,
    status: await page.locator('#status').innerText(),
    cards: await page.locator('.card').allInnerTexts(),
    hexes: await page.locator('#map .hex').count(),
    markers: await page.locator('#map .finding-marker').count(),
    estimates: await page.locator('#map .estimate').evaluateAll((es) => es.map((e) => ({
      lat: +e.dataset.lat, lon: +e.dataset.lon, radius_m: +e.dataset.radius, r_px: +e.getAttribute('r'),
    }))),
    fleetEstimates: await page.locator('#map .fleet-estimate').evaluateAll((es) => es.map((e) => ({
      lat: +e.dataset.lat, lon: +e.dataset.lon, radius_m: +e.dataset.radius, r_px: +e.getAttribute('r'),
    }))),
    fleetCards: await page.locator('#fleet .fleet-card').allInnerTexts(),
    ticks: await page.locator('#timeline .tick').count(),
    cellRows: await page.locator('#cells tr').allInnerTexts(),
    foreign, errors,
  };
  const get = async (button, path) => {
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.locator(button).first().click()]);
    await dl.saveAs(path);
    return dl.suggestedFilename();
  };
  seen.reportName = await get('button.dl-html', report);
  seen.pcapName = await get('button.dl-pcap', pcap);
  await page.screenshot({ path: shot, fullPage: true });
  console.log(JSON.stringify(seen));
});
