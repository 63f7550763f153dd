// MetricsHub at /hubs/metrics with the official client: the seed dashboard's contract (DESIGN §5.2),
// fed by the in-process demo source on two cores, throttled to --broadcast-interval.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer } from './lib/server.mjs';
import { signalR, sleep, waitUntil, stopAll } from './lib/hub.mjs';

const updateMethods = ['ReceiveCurrentMetrics', 'ReceiveMetricsUpdate', 'ReceivePaymentMetricsUpdate',
  'ReceiveSlidingWindowUpdate', 'ReceiveBatchUpdate'];
const isoMs = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

// A connection that records every update with its arrival time.
async function dashboard(url) {
  const connection = new signalR.HubConnectionBuilder().withUrl(url)
    .configureLogging(signalR.LogLevel.Warning).build();
  const got = Object.fromEntries(updateMethods.map((m) => [m, []]));
  for (const m of updateMethods) connection.on(m, (arg) => { got[m].push({ at: Date.now(), arg }); });
  await connection.start();
  return { connection, got };
}

function assertTime(value, what) {
  assert.equal(typeof value, 'string', `${what} is a string`);
  assert.match(value, isoMs, `${what} is ISO 8601 UTC with milliseconds`);
  assert.ok(!Number.isNaN(new Date(value).getTime()), `${what} parses with new Date`);
}

function assertFields(obj, fields, what) {
  assert.deepEqual(Object.keys(obj).sort(), Object.keys(fields).sort(), `${what} has exactly ${Object.keys(fields)}`);
  for (const [k, type] of Object.entries(fields)) {
    if (type === 'time') assertTime(obj[k], `${what}.${k}`);
    else assert.equal(typeof obj[k], type, `${what}.${k} is a ${type}`);
  }
}

const currentFields = { TotalOrders: 'number', TotalRevenue: 'number', AverageOrderValue: 'number',
  TotalPaymentsProcessed: 'number', Timestamp: 'time' };

describe('MetricsHub (/hubs/metrics, --cores 2, --demo-rate 400, --broadcast-interval 300ms)', () => {
  let server;
  const open = [];
  before(async () => {
    server = await startServer({ cores: 2, testHub: false,
      args: ['--demo-rate', '400', '--broadcast-interval', '300ms', '--window', '60s'] });
  });
  after(async () => { await stopAll(open); await server?.close(); });

  it('sends ReceiveCurrentMetrics on connect with the seed dashboard fields and types', async () => {
    const d = await dashboard(server.url('/hubs/metrics'));
    open.push(d.connection);
    await waitUntil(() => d.got.ReceiveCurrentMetrics.length > 0, 5_000, 'ReceiveCurrentMetrics');
    assert.equal(d.got.ReceiveCurrentMetrics.length, 1, 'exactly one ReceiveCurrentMetrics');
    const m = d.got.ReceiveCurrentMetrics[0].arg;
    assertFields(m, currentFields, 'ReceiveCurrentMetrics');
    // What metrics-dashboard.ts does with it must work.
    assert.equal(typeof m.TotalRevenue.toFixed(2), 'string');
    assert.equal(typeof m.AverageOrderValue.toFixed(2), 'string');
  });

  it('broadcasts every update method with exact fields, throttled to the interval, totals growing', async () => {
    const d = await dashboard(server.url('/hubs/metrics'));
    open.push(d.connection);
    await sleep(2_500);
    const upd = d.got.ReceiveMetricsUpdate;
    assert.ok(upd.length >= 4, `at least 4 ReceiveMetricsUpdate in 2.5 s at 300 ms (got ${upd.length})`);
    assert.ok(upd.length <= 10, `at most one per 300 ms (got ${upd.length} in 2.5 s)`);
    // A broadcast goes out on the tick nearest each interval (docs/operations.md): no two are
    // closer than the interval less half a tick (100 ms here), and on average they are an interval apart.
    for (let i = 1; i < upd.length; i++) {
      const gap = new Date(upd[i].arg.Timestamp) - new Date(upd[i - 1].arg.Timestamp);
      assert.ok(gap >= 250, `broadcasts are at least 300 - 50 ms apart (gap ${gap} ms)`);
      assert.ok(upd[i].arg.TotalOrders >= upd[i - 1].arg.TotalOrders, 'TotalOrders never goes back');
    }
    const mean = (new Date(upd.at(-1).arg.Timestamp) - new Date(upd[0].arg.Timestamp)) / (upd.length - 1);
    assert.ok(mean >= 290, `broadcasts are 300 ms apart on average (${mean.toFixed(0)} ms)`);
    assertFields(upd[0].arg, { TotalOrders: 'number', TotalRevenue: 'number', AverageOrderValue: 'number',
      Timestamp: 'time' }, 'ReceiveMetricsUpdate');
    const last = upd.at(-1).arg;
    assert.ok(last.TotalOrders > 0 && last.TotalRevenue > 0, 'the demo source produced orders');
    const avg = Math.round(last.TotalRevenue / last.TotalOrders * 10_000) / 10_000;
    assert.ok(Math.abs(avg - last.AverageOrderValue) <= 0.0001, `AverageOrderValue ${last.AverageOrderValue} = ${avg}`);

    assert.ok(d.got.ReceivePaymentMetricsUpdate.length > 0, 'ReceivePaymentMetricsUpdate arrived');
    assertFields(d.got.ReceivePaymentMetricsUpdate[0].arg, { TotalPaymentsProcessed: 'number', Timestamp: 'time' },
      'ReceivePaymentMetricsUpdate');
    assert.ok(d.got.ReceiveSlidingWindowUpdate.length > 0, 'ReceiveSlidingWindowUpdate arrived');
    const w = d.got.ReceiveSlidingWindowUpdate.at(-1).arg;
    assertFields(w, { OrderCount: 'number', TotalRevenue: 'number', AverageOrderValue: 'number',
      WindowStart: 'time', WindowEnd: 'time' }, 'ReceiveSlidingWindowUpdate');
    const span = new Date(w.WindowEnd) - new Date(w.WindowStart);
    assert.ok(span > 58_000 && span <= 60_000, `the window spans --window 60s (${span} ms)`);
    assert.ok(d.got.ReceiveBatchUpdate.length > 0, 'ReceiveBatchUpdate arrived');
    for (const { arg } of d.got.ReceiveBatchUpdate) {
      assertFields(arg, { OrderCount: 'number', TotalRevenue: 'number', Timestamp: 'time' }, 'ReceiveBatchUpdate');
      assert.ok(arg.OrderCount >= 1 && arg.OrderCount <= 100, `a batch holds 1..100 orders (${arg.OrderCount})`);
    }
  });

  it('answers GetCurrentMetrics, GetHistory and GetDailySales consistently', async () => {
    const d = await dashboard(server.url('/hubs/metrics'));
    open.push(d.connection);
    const cur = await d.connection.invoke('GetCurrentMetrics');
    assertFields(cur, currentFields, 'GetCurrentMetrics');
    const hist = await d.connection.invoke('GetHistory', 5);
    assert.equal(hist.length, 5, 'GetHistory(5) gives 5 seconds');
    for (const p of hist) assertFields(p, { Timestamp: 'time', OrderCount: 'number', Revenue: 'number' }, 'history point');
    for (let i = 1; i < hist.length; i++)
      assert.equal(new Date(hist[i].Timestamp) - new Date(hist[i - 1].Timestamp), 1000, 'one point per second, oldest first');
    const days = await d.connection.invoke('GetDailySales', 7);
    assert.ok(days.length >= 1, 'today has sales');
    assertFields(days[0], { Day: 'string', OrderCount: 'number', Revenue: 'number', PaymentsProcessed: 'number' }, 'daily row');
    assert.equal(days[0].Day, new Date().toISOString().slice(0, 10), 'newest first: today (UTC)');
    const after = await d.connection.invoke('GetCurrentMetrics');
    assert.ok(days[0].OrderCount <= after.TotalOrders, 'a day holds no more orders than the total');
    await assert.rejects(d.connection.invoke('GetHistory', 0), /seconds must be between 1 and 60/);
    await assert.rejects(d.connection.invoke('GetDailySales', -1), /days must be between 1 and/);
  });

  it('streams current metrics with StreamMetrics and stops on cancel', async () => {
    const d = await dashboard(server.url('/hubs/metrics'));
    open.push(d.connection);
    const items = [];
    await new Promise((resolve, reject) => {
      const sub = d.connection.stream('StreamMetrics', 50).subscribe({
        next: (i) => { items.push(i); if (items.length === 4) { sub.dispose(); resolve(); } },
        complete: resolve, error: reject,
      });
    });
    assert.equal(items.length, 4);
    assertFields(items[3], currentFields, 'StreamMetrics item');
    await assert.rejects(new Promise((resolve, reject) => d.connection.stream('StreamMetrics', 1)
      .subscribe({ next: () => {}, complete: resolve, error: reject })), /intervalMs must be between 10 and 60000/);
  });

  it('Unsubscribe stops the group updates but not ReceiveMetricsUpdate; unknown streams are refused', async () => {
    const d = await dashboard(server.url('/hubs/metrics'));
    open.push(d.connection);
    await d.connection.invoke('Unsubscribe', 'Payments');
    await d.connection.invoke('Unsubscribe', 'window');
    await d.connection.invoke('Unsubscribe', 'batches');
    const mark = { p: d.got.ReceivePaymentMetricsUpdate.length, w: d.got.ReceiveSlidingWindowUpdate.length,
      b: d.got.ReceiveBatchUpdate.length, m: d.got.ReceiveMetricsUpdate.length };
    await sleep(1_500);
    assert.ok(d.got.ReceiveMetricsUpdate.length > mark.m, 'ReceiveMetricsUpdate still arrives');
    assert.equal(d.got.ReceivePaymentMetricsUpdate.length, mark.p, 'no payment updates after Unsubscribe');
    assert.equal(d.got.ReceiveSlidingWindowUpdate.length, mark.w, 'no window updates after Unsubscribe');
    assert.equal(d.got.ReceiveBatchUpdate.length, mark.b, 'no batch updates after Unsubscribe');
    await d.connection.invoke('Subscribe', 'payments');
    await waitUntil(() => d.got.ReceivePaymentMetricsUpdate.length > mark.p, 3_000, 'payments again after Subscribe');
    await assert.rejects(d.connection.invoke('Subscribe', 'nope'), /Unknown stream 'nope'/);
  });

  it('streams the current metrics over SSE at /sse/metrics', async () => {
    const events = await new Promise((resolve, reject) => {
      const req = http.get(server.url('/sse/metrics'), (res) => {
        assert.equal(res.statusCode, 200);
        assert.match(res.headers['content-type'], /^text\/event-stream/);
        assert.equal(res.headers['cache-control'], 'no-cache');
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
          const got = text.split('\n\n').filter((e) => e.startsWith('data: '));
          if (got.length >= 3) { req.destroy(); resolve(got); }
        });
      });
      req.on('error', (e) => { if (e.code !== 'ECONNRESET') reject(e); });
      setTimeout(() => reject(new Error('fewer than 3 SSE events in 5 s')), 5_000).unref();
    });
    const parsed = events.map((e) => JSON.parse(e.slice('data: '.length)));
    for (const m of parsed) assertFields(m, currentFields, 'SSE event');
    assert.ok(parsed[2].TotalOrders >= parsed[0].TotalOrders, 'SSE totals never go back');
  });
});
