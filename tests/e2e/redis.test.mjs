// The live state in a real redis-server (--redis; issue 6): after each tick the seed's
// `realtime-metrics` key (its RealtimeMetrics JSON, 1-day TTL), the sliding window and per-second
// buckets with the window's TTL. A Redis outage degrades (dashboards keep their numbers, /metrics
// says Redis is down) and the key is written again once Redis is back.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { waitUntil, sleep } from './lib/hub.mjs';
import { protonSend, orders } from './lib/proton.mjs';
import { Redis } from './lib/redis.mjs';

describe('live state in Redis (--redis redis://127.0.0.1:PORT/0)', () => {
  let redis;
  let server;
  before(async () => {
    redis = await new Redis().start();
    server = await startServer({ cores: 2, testHub: false, args: ['--redis', redis.url, '--tick', '50ms', '--window', '60s'] });
  });
  after(async () => { await server?.close(); await redis?.close(); });

  const realtime = async () => JSON.parse((await redis.cli('GET', 'realtime-metrics')).trim() || 'null');

  it('writes realtime-metrics with the exact totals, the window and its buckets, with TTLs', async () => {
    const { events, cents } = orders('rd', 2_000);
    for (let i = 0; i < 700; ++i) events.push({ type: 'PaymentProcessed', id: `rp-${i}`, body: { OrderId: `rd-${i}`, Amount: 1 } });
    const sent = await protonSend(server.amqpUrl('orders'), events);
    assert.equal(sent.accepted, 2_700);
    await waitUntil(async () => (await realtime())?.TotalPaymentsProcessed === 700, 5_000, 'realtime-metrics updated', 50);
    const m = await realtime();
    assert.deepEqual(Object.keys(m).sort(), ['AverageOrderValue', 'LastUpdated', 'TotalOrders', 'TotalPaymentsProcessed', 'TotalRevenue']);
    assert.equal(m.TotalOrders, 2_000);
    assert.equal(Math.round(m.TotalRevenue * 100), cents);
    assert.ok(!Number.isNaN(new Date(m.LastUpdated).getTime()));
    const ttl = Number((await redis.cli('TTL', 'realtime-metrics')).trim());
    assert.ok(ttl > 86_000 && ttl <= 86_400, `TTL ${ttl}`);

    const w = JSON.parse(await redis.cli('GET', 'tallyhub:sliding-window'));
    assert.equal(w.OrderCount, 2_000);
    assert.equal(Math.round(w.TotalRevenue * 100), cents);
    const windowTtl = Number((await redis.cli('TTL', 'tallyhub:sliding-window')).trim());
    assert.ok(windowTtl > 50 && windowTtl <= 60, `window TTL ${windowTtl}`);
    const buckets = (await redis.cli('--scan', '--pattern', 'tallyhub:second:*')).trim().split('\n').filter(Boolean);
    assert.ok(buckets.length >= 1, 'per-second buckets');
    let counted = 0;
    for (const key of buckets) counted += JSON.parse(await redis.cli('GET', key)).OrderCount;
    assert.ok(counted > 0 && counted <= 2_000, `orders in the buckets: ${counted}`);
  });

  it('keeps serving while Redis is down for 10 s under load, and writes again when it is back', async () => {
    await redis.stop();
    await waitUntil(async () => (await server.metric('tallyhub_redis_up')) === 0, 5_000, 'Redis seen down', 50);
    // Ten seconds down while events keep coming: ingest and dashboards go on from memory.
    for (let i = 0; i < 10; ++i) {
      const { events } = orders(`rx${i}`, 10);
      assert.equal((await protonSend(server.amqpUrl('orders'), events)).accepted, 10, 'ingest goes on without Redis');
      await sleep(900);
    }
    assert.equal((await server.currentMetrics()).TotalOrders, 2_100, 'dashboards from memory');
    await redis.start();  // empty: no persistence
    await waitUntil(async () => (await realtime())?.TotalOrders === 2_100, 15_000, 'realtime-metrics written again', 100);
    assert.equal(await server.metric('tallyhub_redis_up'), 1);
    assert.ok(await server.metric('tallyhub_redis_writes_total', { result: 'failed' }) >= 1);
  });
});
