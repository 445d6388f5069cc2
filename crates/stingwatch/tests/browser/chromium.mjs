// One way for the page tests to start Debian's Chromium: headless, a fresh profile per run (no
// cached state, nothing shared with another test) removed afterwards, and the browser's own
// background traffic (updates, sync, QUIC probes) off, so any request a test sees came from
// the page.
//
// env: CHROMIUM (default /usr/bin/chromium)

import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Runs `use(page, context)` in a new browser launched with `options` added to the defaults,
// and closes the browser and deletes its profile whatever happens.
export async function withChromium(name, options, use) {
  const profile = mkdtempSync(join(tmpdir(), `stingwatch-${name}-chromium-`));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ARGS,
      ...options,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return await use(page, context);
  } finally {
    if (context) await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
