// The dashboard in headless Chromium fed with known events over AMQP 1.0, once per transport
// (lib/browser.mjs): tallyhub without --demo-rate, so every total is exact.
//
//   1. load /?transport=…, send 1,500 orders and 300 payments (tallyhub-send, or Qpid Proton until
//      it is built): the four cards show exactly those totals, formatted as the page formats them
//      (src/format.ts, in the page's locale), and both charts have points;
//   2. SIGTERM the server: the badge says "Reconnecting…"; a new server on the same HTTP port gets
//      1,001 orders and 120 payments; the badge comes back to "Connected", the cards show the new
//      server's totals, and the charts are back-filled by GetHistory: right after the reconnect
//      their points hold every one of those orders, though no live update carried any;
//   3. no console error, uncaught exception or failed request, the outage included; a full-page
//      screenshot goes to build/web-e2e/dashboard.png for people to look at.
// The reconnect attempt's negotiate request is held (page.route) until the new server has its
// events and a second has turned, so that they are history, not live updates, when it reconnects.
// Run: cd web && npm run test:browser   (skipped, loudly, without Chromium or the binary)

import assert from 'node:assert/strict';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { startServer } from '../../tests/e2e/lib/server.mjs';
import { browserSuite, buildDashboard, launchChromium, openPage, scratch, text, transports, unavailable } from './lib/browser.mjs';
import { loadTs, webDir } from './lib/load.mjs';
import { orders, payments, producer, sendEvents } from './lib/producer.mjs';

const shots = path.resolve(webDir, '..', 'build', 'web-e2e');
const tmp = scratch('tallyhub-browser-amqp-');
const dist = path.join(tmp.dir, 'dist');
const servers = [];
let browser, createFormatters;

before(async () => {
  if (unavailable) return;
  ({ createFormatters } = await loadTs('src/format.ts', { name: 'browser-format' }));
  buildDashboard(dist);
  browser = await launchChromium(path.join(tmp.dir, 'profile'));
});

after(async () => {
  await browser?.close();
  const closed = await Promise.allSettled(servers.map((s) => s.close()));
  tmp.remove();
  const failed = closed.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
});

async function serve(http = '127.0.0.1:0') {
  const server = await startServer({
    http, testHub: false, args: ['--web-root', dist, '--tick', '50ms', '--broadcast-interval', '100ms', '--drain-timeout', '5s'],
  });
  servers.push(server);
  return server;
}

// Sends orders and payments and checks that every one was accepted.
async function send(server, prefix, nOrders, nPayments) {
  const o = orders(`${prefix}-o`, nOrders);
  const summary = await sendEvents(server.amqpUrl('orders'), [...o.events, ...payments(`${prefix}-p`, nPayments)]);
  assert.equal(summary.error, null, JSON.stringify(summary).slice(0, 500));
  assert.equal(summary.accepted, nOrders + nPayments, JSON.stringify(summary).slice(0, 500));
  assert.equal(summary.rejected, 0);
  return { orders: nOrders, cents: o.cents, payments: nPayments };
}

// The cards for those totals. The server's average is the revenue in 1/10,000s divided by the order
// count, rounded half to even (app/money.cpp); the counts here keep it off a half cent.
function cardsFor(fmt, sent) {
  const units = sent.cents * 100, q = Math.floor(units / sent.orders), r = units - q * sent.orders;
  const average = (2 * r > sent.orders || (2 * r === sent.orders && q % 2 === 1) ? q + 1 : q) / 10_000;
  return {
    'total-orders': fmt.count(sent.orders),
    'total-revenue': fmt.money(sent.cents / 100),
    'avg-order-value': fmt.money(average),
    'total-payments': fmt.count(sent.payments),
  };
}

const cardsShown = (page) => page.evaluate(() => Object.fromEntries(
  ['total-orders', 'total-revenue', 'avg-order-value', 'total-payments'].map((id) => [id, document.getElementById(id).textContent])));

async function waitForCards(page, want, what) {
  try {
    await page.waitForFunction((w) => Object.entries(w).every(([id, t]) => document.getElementById(id).textContent === t), want, { timeout: 10_000 });
  } catch {
    assert.deepEqual(await cardsShown(page), want, `the cards ${what}`);
  }
  assert.deepEqual(await cardsShown(page), want);
}

// What the charts are drawn from (the model's RateSeries, which charts.ts hands to uPlot).
const chartPoints = (page) => page.evaluate(() => {
  const s = window.tallyhub.model.series, [xs, orders, revenue] = s.data();
  const sum = (v) => v.reduce((a, b) => a + b, 0);
  return { points: xs.length, orders: s.summary('orders'), revenue: s.summary('revenue'), orderSum: sum(orders), revenueSum: sum(revenue) };
});

// Holds the dashboard's negotiate requests until release(): the server stays unreachable for it.
async function holdNegotiate(page) {
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  const pattern = '**/hubs/metrics/negotiate**';
  const held = [];
  const handler = (route) => { held.push(gate.then(() => route.continue())); };
  await page.route(pattern, handler);
  return async () => {
    release();
    await Promise.all(held);
    await page.unroute(pattern, handler);
    return held.length;
  };
}

async function startOnPort(port) {
  for (let attempt = 1; ; ++attempt) {
    try {
      return await serve(`127.0.0.1:${port}`);
    } catch (err) {
      if (attempt === 10) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

browserSuite('the dashboard fed over AMQP, across a restart', { timeout: 60_000 }, () => {
  for (const [i, transport] of transports.entries()) {
    test(`over ${transport.label}: exact totals, live charts, reconnecting and back, history back-filled`, async (t) => {
      t.diagnostic(`producer: ${producer}`);
      const first = await serve();
      const { page, problems } = await openPage(browser, first.url(`/?transport=${transport.query}`));
      const shot = path.join(shots, i === 0 ? 'dashboard.png' : `dashboard-${transport.query}.png`);
      const failedShot = shot.replace(/\.png$/, '-failed.png');
      try {
        await page.waitForSelector('#connection[data-status="connected"]');
        const locale = await page.evaluate(() => new Intl.NumberFormat().resolvedOptions().locale);
        const fmt = createFormatters({ locale });

        // 1. Exact totals and live charts.
        const sent = await send(first, `${transport.query}-1`, 1500, 300);
        await waitForCards(page, cardsFor(fmt, sent), 'after the first events');
        await page.waitForFunction(() => {
          const s = window.tallyhub.model.series;
          return s.summary('orders').peak > 0 && s.summary('revenue').peak > 0;
        });
        const live = await chartPoints(page);
        assert.ok(live.points > 0, JSON.stringify(live));
        assert.match(await text(page, '#orders-chart-summary'), /^Orders per second over the last 5 minutes: now /);
        assert.match(await text(page, '#revenue-chart-summary'), /^Revenue per second over the last 5 minutes: now /);
        assert.equal(await page.locator('#orders-chart canvas').count(), 1);
        assert.equal(await page.locator('#revenue-chart canvas').count(), 1);
        assert.equal(await text(page, '#transport'), transport.label);

        // 2. A restart on the same port.
        const port = first.httpPort;
        const release = await holdNegotiate(page);
        const outageStart = problems.length;
        first.signal('SIGTERM');
        await page.waitForSelector('#connection[data-status="reconnecting"]');
        assert.equal((await page.getByRole('status').innerText()).trim(), 'Reconnecting…');
        assert.equal(await first.waitExit(15_000), 0, first.output());
        const second = await startOnPort(port);
        const again = await send(second, `${transport.query}-2`, 1001, 120);
        // Into history: the next second starts, plus a tick for the snapshot's timestamp to pass it.
        await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 150));
        const reconnectAt = Date.now();
        assert.ok(await release() >= 1, 'the dashboard tried to reconnect while the server was away');
        await page.waitForSelector('#connection[data-status="connected"]');
        assert.equal((await page.getByRole('status').innerText()).trim(), 'Connected');
        if (transport.name !== 'WebSockets') {
          // SSE and long polling ride on HTTP requests: the stream or poll open when the server went away
          // is cut, and a poll while it is down is refused (what any such client shows in the developer
          // tools). Nothing else may fail.
          const outage = problems.splice(outageStart);
          const inherent = /\/hubs\/metrics\?id=.* net::ERR_(ABORTED|CONNECTION_REFUSED|EMPTY_RESPONSE)|Failed to load resource: net::ERR_(CONNECTION_REFUSED|EMPTY_RESPONSE)/;
          problems.push(...outage.filter((p) => !inherent.test(p)));
        }
        await page.waitForFunction((n) => window.tallyhub.model.series.summary('orders').points > 0
          && window.tallyhub.model.series.data()[1].reduce((a, b) => a + b, 0) === n, again.orders, { timeout: 3_000 });
        const backfilled = await chartPoints(page);
        t.diagnostic(`back-filled ${backfilled.points} points ${Date.now() - reconnectAt} ms after the reconnect began`);
        assert.equal(backfilled.orderSum, again.orders, JSON.stringify(backfilled));
        assert.equal(Math.round(backfilled.revenueSum * 100), again.cents, JSON.stringify(backfilled));
        await waitForCards(page, cardsFor(fmt, again), "after the restart (the new server's totals)");
        assert.equal(await text(page, '#transport'), transport.label);

        // 3. Errors, and a picture.
        assert.deepEqual(problems, []);
        mkdirSync(shots, { recursive: true });
        await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
        await page.screenshot({ path: shot, fullPage: true });
        assert.ok(statSync(shot).size > 10_000, `${shot} is a picture`);
        rmSync(failedShot, { force: true });
        t.diagnostic(`screenshot: ${path.relative(path.resolve(webDir, '..'), shot)}`);
      } catch (err) {
        mkdirSync(shots, { recursive: true });
        await page.screenshot({ path: failedShot, fullPage: true }).catch(() => {});
        throw err;
      } finally {
        await page.close();
      }
    });
  }
});
