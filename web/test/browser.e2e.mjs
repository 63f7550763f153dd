// The dashboard in a real browser: headless Chromium (playwright-core, /usr/bin/chromium or
// CHROMIUM_BIN) loads / from tallyhub running --demo-rate on a fresh build. Asserts the cards and
// panels update, the badge and footer over each transport, no console error or failed request, the
// charts back-filled right after a reload, one render per frame at 100 updates/s, no sideways
// scrolling on a phone, the page's Content-Security-Policy holding (a violation is a console
// error), and the seed's own metrics-dashboard.ts running unchanged in the page.
// Exact totals over AMQP and a server restart: browser-amqp.e2e.mjs.
// Run: cd web && npm run test:browser   (skipped, loudly, without Chromium or the binary)

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { build } from 'esbuild';

import { TallyhubServer } from '../../tests/e2e/lib/server.mjs';
import { webDir } from './lib/load.mjs';
import {
  browserSuite, buildDashboard, launchChromium, openPage as open, scratch, text, transports, unavailable,
} from './lib/browser.mjs';

const tmp = scratch('tallyhub-browser-');
const dist = path.join(tmp.dir, 'dist');
let server, browser;

before(async () => {
  if (unavailable) return;
  buildDashboard(dist);
  // The seed's script where the seed's HTML loads it from, /dist/metrics-dashboard.js (the page's
  // Content-Security-Policy allows scripts from its own origin only, so it is served, not inlined).
  await build({
    absWorkingDir: webDir, entryPoints: ['test/fixtures/seed-metrics-dashboard.ts'], bundle: true,
    format: 'iife', platform: 'browser', outfile: path.join(dist, 'dist', 'metrics-dashboard.js'), logLevel: 'error',
  });
  server = await new TallyhubServer({
    testHub: false, args: ['--web-root', dist, '--demo-rate', '200', '--broadcast-interval', '10ms', '--tick', '10ms'],
  }).start();
  browser = await launchChromium(path.join(tmp.dir, 'profile'));
});

after(async () => {
  await browser?.close();
  await server?.close();
  tmp.remove();
});

const openPage = (viewport, pathname = '/') => open(browser, server.url(pathname), viewport);

browserSuite('the dashboard in Chromium', { timeout: 60_000 }, () => {
  for (const transport of transports) {
    test(`over ${transport.label}: cards, charts, panels, badge and footer fill in and keep moving, without errors`, async () => {
      const { page, problems } = await openPage(undefined, `/?transport=${transport.query}`);
      try {
        await page.waitForSelector('#connection[data-status="connected"]');
        assert.equal(await text(page, '#connection-text'), 'Connected');
        await page.waitForFunction(() => /^\d[\d,]*$/.test(document.getElementById('total-orders').textContent));
        const first = Number((await text(page, '#total-orders')).replace(/,/g, ''));
        await page.waitForFunction((n) => Number(document.getElementById('total-orders').textContent.replace(/,/g, '')) > n, first);
        assert.match(await text(page, '#total-revenue'), /^\$[\d,]+\.\d\d$/);
        assert.match(await text(page, '#avg-order-value'), /^\$[\d,]+\.\d\d$/);
        assert.match(await text(page, '#total-payments'), /^\d[\d,]*$/);
        assert.notEqual(await text(page, '#last-updated'), '-');
        await page.waitForSelector('#batch-list li');
        await page.waitForSelector('#daily-body th time');
        await page.waitForFunction(() => document.getElementById('window-orders').textContent !== '–');
        assert.match(await text(page, '#orders-chart-summary'), /^Orders per second over the last 5 minutes: now /);
        assert.equal(await page.locator('#orders-chart canvas').count(), 1);
        assert.equal(await page.locator('#revenue-chart canvas').count(), 1);
        assert.equal(await text(page, '#transport'), transport.label);
        assert.equal(await text(page, '#protocol'), 'json v2');
        assert.ok(await page.locator('#toasts .toast').count() <= 3, 'toasts never pile up');
        assert.deepEqual(problems, []);
      } finally {
        await page.close();
      }
    });
  }

  test('100 updates a second are drawn at most once per frame', async (t) => {
    const { page, problems } = await openPage();
    try {
      await page.waitForSelector('#connection[data-status="connected"]');
      const { updates, renders, frames } = await page.evaluate(async () => {
        const t = window.tallyhub;
        let updates = 0, frames = 0, counting = true;
        for (const m of ['ReceiveMetricsUpdate', 'ReceivePaymentMetricsUpdate', 'ReceiveSlidingWindowUpdate', 'ReceiveBatchUpdate']) {
          t.connection.connection.on(m, () => { updates++; });
        }
        const frame = () => { frames++; if (counting) requestAnimationFrame(frame); };
        requestAnimationFrame(frame);
        const before = t.frames.renderCount;
        await new Promise((resolve) => setTimeout(resolve, 2000));
        counting = false;
        return { updates, renders: t.frames.renderCount - before, frames };
      });
      t.diagnostic(`${updates} hub messages in 2 s, ${renders} renders, ${frames} animation frames`);
      assert.ok(updates >= 200, `${updates} messages in 2 s`);
      assert.ok(renders <= frames + 1, `${renders} renders in ${frames} frames`);
      assert.ok(renders < updates, `${renders} renders for ${updates} updates`);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test('a reload shows the charts back-filled at once, not empty', async () => {
    const { page, problems } = await openPage();
    try {
      await page.waitForSelector('#connection[data-status="connected"]');
      await page.reload();
      await page.waitForSelector('#connection[data-status="connected"]');
      await page.waitForFunction(() => window.tallyhub.model.series.length > 10);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test('on a phone nothing scrolls sideways except the daily table', async () => {
    const { page, problems } = await openPage({ width: 360, height: 740 });
    try {
      await page.waitForSelector('#connection[data-status="connected"]');
      await page.waitForSelector('#orders-chart canvas');
      const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: innerWidth }));
      assert.ok(scroll <= width, `page is ${scroll}px wide in a ${width}px viewport`);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test('the seed\'s metrics-dashboard.ts, unchanged, runs in our page against our server', async () => {
    const { page, problems } = await openPage();
    try {
      await page.waitForSelector('#connection[data-status="connected"]');
      const seedSaid = [];
      page.on('console', (m) => { if (m.type() === 'log') seedSaid.push(m.text()); });
      await page.addScriptTag({ url: '/dist/metrics-dashboard.js' });
      // The seed appends its own .toast elements to <body> on every ReceiveMetricsUpdate.
      await page.waitForSelector('body > .toast');
      await page.waitForFunction(() => /^\$\d+\.\d\d$/.test(document.getElementById('total-revenue').textContent)
        || /^\d+$/.test(document.getElementById('total-payments').textContent));
      assert.ok(seedSaid.includes('Connected to MetricsHub'), seedSaid.slice(0, 3).join(' | '));
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
