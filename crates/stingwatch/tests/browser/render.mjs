// Opens a stingwatch HTML report in headless Debian Chromium, saves screenshots (desktop and
// phone width) and prints what a reader would see as one JSON object on stdout, for the Rust
// test to check: verdict text, drawn chart elements, finding cards, network requests, script
// errors and horizontal overflow on a phone.
//
// usage: node render.mjs REPORT.html SCREENSHOT_PREFIX
// env:   CHROMIUM (default /usr/bin/chromium)

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { withChromium } from './chromium.mjs';

const [report, shotPrefix] = process.argv.slice(2);
if (!report || !shotPrefix) {
  console.error('usage: node render.mjs REPORT.html SCREENSHOT_PREFIX');
  process.exit(2);
}

await withChromium('report', {
  viewport: { width: 1100, height: 900 },
}, async (page) => {
  const requests = [];
  const errors = [];
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith('file:') && !url.startsWith('data:') && !url.startsWith('about:')) {
      requests.push(url);
    }
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });

  await page.goto(pathToFileURL(resolve(report)).href, { waitUntil: 'load' });
  await page.screenshot({ path: `${shotPrefix}-desktop.png`, fullPage: true });

  const seen = await page.evaluate(() => {
    const q = (s) => Array.from(document.querySelectorAll(s));
    const drawn = (el) => {
      const b = el.getBBox();
      return b.width > 0 && b.height > 0;
    };
    const shapes = q('svg.timeline rect, svg.timeline circle, svg.timeline path');
    return {
      title: document.title,
      verdict: document.querySelector('#verdict-text')?.innerText ?? null,
      confidence: document.querySelector('#confidence')?.innerText ?? null,
      charts: q('svg.timeline').length,
      shapes: shapes.length,
      drawnShapes: shapes.filter(drawn).length,
      segments: q('svg.timeline rect.segment').filter(drawn).length,
      marks: q('svg.timeline a.mark circle').filter(drawn).length,
      filtersShown: !(document.getElementById('filters')?.hidden ?? true),
      cards: q('article.finding').map((a) => ({
        id: a.id,
        kind: a.dataset.kind,
        severity: a.dataset.severity,
        title: a.querySelector('h3')?.innerText ?? '',
        visible: a.getBoundingClientRect().height > 0,
        evidenceRows: a.querySelectorAll('table.evidence tbody tr').length,
      })),
      cellRows: q('table.cells tbody tr').length,
    };
  });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${shotPrefix}-phone.png`, fullPage: true });
  const phone = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));

  console.log(JSON.stringify({ ...seen, phone, requests, errors }));
});
