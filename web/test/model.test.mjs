// The dashboard's view model driven by the messages the real server sends (app/kpi_json.cpp),
// copied from a run of `tallyhub --demo-rate 50`.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadTs } from './lib/load.mjs';

const { DashboardModel, statusLabel } = await loadTs('src/model.ts');
const { FrameScheduler } = await loadTs('src/frame.ts');

const current = { TotalOrders: 31, TotalRevenue: 1441.96, AverageOrderValue: 46.5148, TotalPaymentsProcessed: 23, Timestamp: '2026-12-04T01:00:58.796Z' };
const update = { TotalOrders: 58, TotalRevenue: 2525.64, AverageOrderValue: 43.5455, Timestamp: '2026-12-04T01:00:59.796Z' };
const payment = { TotalPaymentsProcessed: 46, Timestamp: '2026-12-04T01:00:59.796Z' };
const window5m = { OrderCount: 58, TotalRevenue: 2525.64, AverageOrderValue: 43.5455, WindowStart: '2026-12-04T00:56:00.000Z', WindowEnd: '2026-12-04T01:00:59.796Z' };
const batch = (n) => ({ OrderCount: n, TotalRevenue: n * 40, Timestamp: `2026-12-04T01:01:${String(n % 60).padStart(2, '0')}.896Z` });

function model() {
  let now = 1_000_000;
  const m = new DashboardModel({ now: () => now });
  return { m, advance: (ms) => { now += ms; } };
}

test('ReceiveCurrentMetrics fills every card and the last-updated time', () => {
  const { m } = model();
  assert.ok(Number.isNaN(m.kpi.totalOrders), 'nothing shown before the first message');
  m.currentMetrics(current);
  assert.deepEqual(m.kpi, {
    totalOrders: 31, totalRevenue: 1441.96, averageOrderValue: 46.5148, totalPayments: 23,
    lastUpdatedMs: Date.parse(current.Timestamp),
  });
  assert.deepEqual([...m.takeDirty()], ['kpi']);
});

test('ReceiveMetricsUpdate moves the order cards, adds a chart point and a toast', () => {
  const { m } = model();
  m.currentMetrics(current);
  m.takeDirty();
  m.metricsUpdate(update);
  assert.equal(m.kpi.totalOrders, 58);
  assert.equal(m.kpi.totalPayments, 23, 'payments come in their own message');
  assert.equal(m.series.length, 1);
  assert.equal(m.toasts.visible.length, 1);
  assert.equal(m.toasts.visible[0].orders, 27);
  assert.deepEqual(new Set(m.takeDirty()), new Set(['kpi', 'charts', 'toasts']));
});

test('an update older than what is shown is ignored', () => {
  const { m } = model();
  m.currentMetrics({ ...current, Timestamp: update.Timestamp });
  m.metricsUpdate({ ...update, TotalOrders: 1, Timestamp: current.Timestamp });
  assert.equal(m.kpi.totalOrders, 31);
});

test('ReceivePaymentMetricsUpdate moves only the payments card', () => {
  const { m } = model();
  m.currentMetrics(current);
  m.paymentUpdate(payment);
  assert.equal(m.kpi.totalPayments, 46);
  assert.equal(m.kpi.totalOrders, 31);
  assert.equal(m.kpi.lastUpdatedMs, Date.parse(payment.Timestamp));
});

test('ReceiveSlidingWindowUpdate fills the panel and sizes the charts to the window', () => {
  const { m } = model();
  m.windowUpdate(window5m);
  assert.equal(m.window.seconds, 300);
  assert.equal(m.window.orderCount, 58);
  assert.equal(m.windowSeconds, 300);
  m.windowUpdate({ ...window5m, WindowStart: '2026-12-04T01:00:00.000Z' });  // a --window 1m server
  assert.equal(m.windowSeconds, 60);
});

test('the batch ticker keeps the newest eight, newest first', () => {
  const { m } = model();
  for (let i = 1; i <= 20; i++) m.batchUpdate(batch(i));
  assert.equal(m.batches.length, 8);
  assert.deepEqual(m.batches.map((b) => b.orderCount), [20, 19, 18, 17, 16, 15, 14, 13]);
});

test('GetHistory and GetDailySales answers land in the charts and the table', () => {
  const { m } = model();
  m.currentMetrics(current);
  m.history([{ Timestamp: '2026-12-04T01:00:56.000Z', OrderCount: 26, Revenue: 1315.07 }]);
  assert.equal(m.series.length, 1);
  m.dailySales([{ Day: '2026-12-04', OrderCount: 111, Revenue: 5691.76, PaymentsProcessed: 93 }]);
  assert.equal(m.daily.rows.length, 1);
  assert.equal(m.daily.fetchedMs, 1_000_000);
  m.dailySales(null);
  assert.deepEqual(m.daily.rows, []);
});

test('connection status and transport drive the badge and footer', () => {
  const { m } = model();
  assert.equal(statusLabel(m.connection), 'Connecting…');
  m.setStatus('connected');
  m.setTransport('WebSockets', 'json v2');
  assert.equal(statusLabel(m.connection), 'Connected');
  m.setStatus('reconnecting', { error: 'WebSocket closed with status code: 1006' });
  assert.equal(statusLabel(m.connection), 'Reconnecting…');
  assert.equal(m.connection.transport, '', 'no transport while not connected');
  m.setStatus('offline', { retryAtMs: 5000 });
  assert.equal(statusLabel(m.connection), 'Offline');
  assert.equal(m.connection.retryAtMs, 5000);
});

test('toasts expire on the injected clock', () => {
  const { m, advance } = model();
  m.currentMetrics(current);
  m.metricsUpdate(update);
  advance(m.toasts.ttlMs + 1);
  m.takeDirty();
  m.expireToasts();
  assert.equal(m.toasts.visible.length, 0);
  assert.deepEqual([...m.takeDirty()], ['toasts']);
});

test('100 updates between two frames cost one render', () => {
  const { m } = model();
  const frames = [];
  let renders = 0, drawnOrders = 0;
  const scheduler = new FrameScheduler(() => {
    renders++;
    m.takeDirty();
    drawnOrders = m.kpi.totalOrders;
  }, (cb) => frames.push(cb));
  let changes = 0;
  m.onChange = () => { changes++; scheduler.schedule(); };
  m.currentMetrics(current);
  const t0 = Date.parse(update.Timestamp);
  for (let i = 1; i <= 100; i++) {
    m.metricsUpdate({ ...update, TotalOrders: 58 + i, TotalRevenue: 2525.64 + i * 40, Timestamp: new Date(t0 + i * 10).toISOString() });
    m.paymentUpdate({ TotalPaymentsProcessed: 46 + i, Timestamp: new Date(t0 + i * 10).toISOString() });
  }
  assert.equal(frames.length, 1, 'one frame requested');
  assert.equal(changes, 1, 'onChange once until the dirty parts are taken');
  frames.shift()();
  assert.equal(renders, 1);
  assert.equal(drawnOrders, 158, 'the frame draws the latest totals');
  assert.ok(m.toasts.visible.length <= 3, 'toasts never pile up');
  m.batchUpdate(batch(1));
  assert.equal(frames.length, 1, 'the next change asks for the next frame');
});

test('a window that started mid-second still reads as its whole length', () => {
  const { m } = model();
  m.windowUpdate({ ...window5m, WindowStart: '2026-12-04T01:06:46.000Z', WindowEnd: '2026-12-04T01:11:45.279Z' });
  assert.equal(m.window.seconds, 300);
});

test('today\'s row of the daily table keeps pace with the cards between refreshes', async () => {
  const { liveDailyRows } = await loadTs('src/model.ts');
  const { m } = model();
  m.currentMetrics(current);
  m.dailySales([
    { Day: '2026-12-04', OrderCount: 31, Revenue: 1441.96, PaymentsProcessed: 23 },
    { Day: '2026-12-03', OrderCount: 500, Revenue: 20000, PaymentsProcessed: 480 },
  ]);
  m.metricsUpdate(update);
  m.paymentUpdate(payment);
  const rows = liveDailyRows(m.daily, m.kpi);
  assert.deepEqual(rows.map((r) => [r.Day, r.OrderCount, r.PaymentsProcessed]), [['2026-12-04', 58, 46], ['2026-12-03', 500, 480]]);
  assert.ok(Math.abs(rows[0].Revenue - 2525.64) < 1e-9);
  // A restarted server's totals are lower: the rows stay as sent until the next fetch.
  m.currentMetrics({ ...current, TotalOrders: 2, TotalRevenue: 10, TotalPaymentsProcessed: 1, Timestamp: '2026-12-04T02:00:00.000Z' });
  assert.equal(liveDailyRows(m.daily, m.kpi)[0].OrderCount, 31);
  // After midnight UTC the newest row is yesterday's: not advanced.
  m.dailySales([{ Day: '2026-12-04', OrderCount: 31, Revenue: 1, PaymentsProcessed: 1 }]);
  m.metricsUpdate({ ...update, TotalOrders: 99, Timestamp: '2026-12-05T00:00:01.000Z' });
  assert.equal(liveDailyRows(m.daily, m.kpi)[0].OrderCount, 31);
});
