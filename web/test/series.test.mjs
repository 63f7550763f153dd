import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadTs } from './lib/load.mjs';

const { RateSeries } = await loadTs('src/series.ts');
const T0 = Date.parse('2026-12-04T01:00:58.796Z');
const iso = (ms) => new Date(ms).toISOString();
const points = (s) => {
  const [xs, orders, revenue] = s.data();
  return xs.map((x, i) => [Math.round(x * 1000) - T0, orders[i], revenue[i]]);
};

test('each update adds the rate of change since the previous totals', () => {
  const s = new RateSeries(300);
  s.setBaseline(T0, 31, 1441.96);
  assert.deepEqual(s.addTotals(T0 + 1000, 58, 2525.64), { orders: 27, revenue: 2525.64 - 1441.96 });
  s.addTotals(T0 + 2000, 85, 4007.10);
  const p = points(s);
  assert.equal(p.length, 2);
  assert.deepEqual(p.map((x) => x.slice(0, 2)), [[1000, 27], [2000, 27]]);
  assert.ok(Math.abs(p[1][2] - (4007.10 - 2525.64)) < 1e-9);
});

test('the rate is per second whatever the broadcast interval', () => {
  const s = new RateSeries(300, 0);
  s.setBaseline(T0, 0, 0);
  s.addTotals(T0 + 100, 5, 50);
  s.addTotals(T0 + 200, 8, 80);
  assert.deepEqual(points(s), [[100, 50, 500], [200, 30, 300]]);
});

test('ticks without an update had no orders: the chart drops to zero across the gap', () => {
  const s = new RateSeries(300);
  s.setBaseline(T0, 0, 0);
  for (let i = 1; i <= 2; i++) s.observeTick(T0 + i * 1000);  // payment/window ticks every second
  s.addTotals(T0 + 1000, 10, 100);
  s.addTotals(T0 + 6000, 14, 140);  // four quiet ticks, then 4 orders in the last one
  assert.equal(s.tickInterval, 1000);
  assert.deepEqual(points(s), [[1000, 10, 100], [2000, 0, 0], [5000, 0, 0], [6000, 4, 40]]);
});

test('without a baseline, a stale update or falling totals, no point is drawn', () => {
  const s = new RateSeries(300);
  assert.equal(s.addTotals(T0, 10, 100), null);  // first totals become the baseline
  assert.equal(s.addTotals(T0, 12, 120), null);  // same time: stale
  assert.equal(s.addTotals(T0 + 1000, 3, 30), null);  // the server restarted
  assert.deepEqual(s.addTotals(T0 + 2000, 5, 50), { orders: 2, revenue: 20 });
  assert.deepEqual(points(s), [[2000, 2, 20]]);
});

test('GetHistory back-fills the seconds before the baseline and keeps the live points after it', () => {
  const s = new RateSeries(300);
  const start = Date.parse('2026-12-04T01:00:55.000Z');
  s.setBaseline(T0, 100, 1000);  // 58.796
  s.addTotals(T0 + 1000, 110, 1100);
  const history = [0, 1, 2, 3, 4].map((i) => ({ Timestamp: iso(start + i * 1000), OrderCount: 20 + i, Revenue: 200 + i }));
  s.backfill(history);
  // Buckets 55, 56, 57 end at or before 58.796 and are kept (plotted at their end); 58 and 59 overlap.
  assert.deepEqual(points(s), [
    [start + 1000 - T0, 20, 200], [start + 2000 - T0, 21, 201], [start + 3000 - T0, 22, 202], [1000, 10, 100],
  ]);
});

test('a reconnect replaces the old connection\'s points with the server\'s history', () => {
  const s = new RateSeries(300);
  s.setBaseline(T0, 0, 0);
  s.addTotals(T0 + 1000, 5, 5);
  s.addTotals(T0 + 2000, 10, 10);
  // Disconnected for a while; the new connection's baseline is 10 s later.
  s.setBaseline(T0 + 12_000, 60, 60);
  const history = Array.from({ length: 13 }, (_, i) => ({ Timestamp: iso(T0 - 796 + i * 1000), OrderCount: 5, Revenue: 5 }));
  s.backfill(history);
  const p = points(s);
  assert.ok(p.every(([, o]) => o === 5), 'history only');
  assert.equal(p.length, 12);  // the 13th second, 70–71, ends after the baseline at 70.796
  assert.ok(p.at(-1)[0] <= 12_000);
});

test('back-filling before any baseline, or with junk, changes nothing', () => {
  const s = new RateSeries(300);
  s.backfill([{ Timestamp: iso(T0), OrderCount: 1, Revenue: 1 }]);
  assert.equal(s.length, 0);
  s.setBaseline(T0 + 5000, 0, 0);
  s.backfill([null, { Timestamp: 'x' }, { Timestamp: iso(T0), OrderCount: 'a', Revenue: null }]);
  assert.deepEqual(points(s), [[1000, 0, 0]]);
});

test('points older than the window are dropped, one kept to enter from the edge', () => {
  const s = new RateSeries(10);
  s.setBaseline(T0, 0, 0);
  for (let i = 1; i <= 30; i++) s.addTotals(T0 + i * 1000, i, i);
  const p = points(s);
  assert.equal(p[0][0], 20_000);
  assert.equal(p.at(-1)[0], 30_000);
  s.setWindow(5);
  assert.equal(points(s)[0][0], 25_000);
});

test('the summary gives latest, peak and mean', () => {
  const s = new RateSeries(300);
  s.setBaseline(T0, 0, 0);
  [3, 9, 6].reduce((total, d, i) => (s.addTotals(T0 + (i + 1) * 1000, total + d, 0), total + d), 0);
  assert.deepEqual(s.summary('orders'), { latest: 6, peak: 9, average: 6, points: 3 });
  assert.deepEqual(new RateSeries().summary('revenue'), { latest: 0, peak: 0, average: 0, points: 0 });
});

test('updates closer together than the resolution extend the newest point', () => {
  const s = new RateSeries(300, 250);
  s.setBaseline(T0, 0, 0);
  for (let i = 1; i <= 100; i++) s.addTotals(T0 + i * 10, i * 2, i * 20);  // 10 ms broadcasts, 200 orders/s
  const p = points(s);
  assert.ok(p.length <= 5, `${p.length} points for one second`);
  assert.equal(p.at(-1)[0], 1000, 'the newest point is at the newest update');
  for (const [, orders, revenue] of p) {
    assert.ok(Math.abs(orders - 200) < 1e-6, `${orders} orders/s`);
    assert.ok(Math.abs(revenue - 2000) < 1e-6);
  }
});
