// What the browser tests (web/test/*.e2e.mjs) share: Debian's Chromium driven by playwright-core
// (`npx playwright install` cannot download browsers here), a fresh dashboard build to serve, pages
// whose errors are collected, and the transports the dashboard is run over.
//
// Without Chromium or the tallyhub binary a suite is skipped, loudly; with TALLYHUB_BROWSER_REQUIRED=1
// (scripts/build-web.sh --browser, i.e. make test) it fails instead, so CI never skips it silently.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';

import { chromium } from 'playwright-core';

import { tallyhubBin } from '../../../tests/e2e/lib/server.mjs';
import { webDir } from './load.mjs';

export const chromiumBin = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const required = process.env.TALLYHUB_BROWSER_REQUIRED === '1';

/** Why the browser tests cannot run here, or null. */
export const unavailable = !existsSync(chromiumBin)
  ? `no Chromium at ${chromiumBin} (apt-get install chromium, or set CHROMIUM_BIN)`
  : !existsSync(tallyhubBin) ? `no tallyhub binary at ${tallyhubBin} (build build/cmake-release or set TALLYHUB_BIN)`
    : null;

/**
 * The transports the dashboard is run over, each pinned with the page's ?transport=: every one the
 * server serves.
 */
export const transports = [
  { name: 'WebSockets', query: 'ws', label: 'WebSockets' },
  { name: 'ServerSentEvents', query: 'sse', label: 'Server-Sent Events' },
  { name: 'LongPolling', query: 'longpolling', label: 'Long polling' },
];

/** describe(), skipped loudly when the browser tests cannot run, or failing when they are required. */
export function browserSuite(name, options, fn) {
  if (unavailable && required) {
    test(name, () => { throw new Error(`${unavailable}; make test needs it (scripts/packages.txt, [test])`); });
    return;
  }
  if (unavailable) {
    console.error(`SKIP ${name}: ${unavailable}`);
    test(name, { skip: unavailable }, () => {});   // counted as skipped in the runner's summary
    return;
  }
  describe(name, options, fn);
}

/** A scratch directory for one test file: the dashboard build, the browser profile. */
export function scratch(prefix) {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Builds the dashboard into `outdir` (node build.mjs --outdir), for the server's --web-root. */
export function buildDashboard(outdir) {
  execFileSync(process.execPath, ['build.mjs', '--outdir', outdir], { cwd: webDir, stdio: 'ignore', timeout: 60_000 });
  return outdir;
}

/**
 * Headless Chromium with a fresh profile in `profileDir` (its --user-data-dir) and nothing that talks
 * to the network on its own. Playwright kills the browser when this process exits, also on failure.
 */
export function launchChromium(profileDir) {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumBin,
    headless: true,
    locale: 'en-US',
    timeout: 30_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
}

/**
 * A new page at `url` whose console errors, uncaught exceptions, failed requests and HTTP errors
 * are collected into `problems` (what a user would see in the developer tools).
 */
export async function openPage(browser, url, viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  await page.setViewportSize(viewport);
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(url);
  return { page, problems };
}

/** The text of the first element `selector` matches. */
export const text = (page, selector) => page.locator(selector).first().textContent();
