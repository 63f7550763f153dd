// Crash safety (issue 6, DESIGN §6), once with the embedded journal and once with PostgreSQL (and
// the live state in Redis): Proton publishes 50,000 events with message ids to a durable RabbitMQ
// queue; tallyhub consumes it and is killed with SIGKILL at three random moments, each time restarted
// on the same store. At the end every event is counted exactly once — in the hub, in PostgreSQL and
// in Redis' realtime-metrics key: nothing committed is lost, nothing redelivered is counted twice
// (the dedup keys committed with each tick), and the queue is empty.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './lib/server.mjs';
import { waitUntil, sleep } from './lib/hub.mjs';
import { protonSend, orders } from './lib/proton.mjs';
import { RabbitMQ } from './lib/rabbitmq.mjs';
import { Postgres } from './lib/postgres.mjs';
import { Redis } from './lib/redis.mjs';

const total = 50_000;

for (const store of ['journal', 'postgres']) {
  describe(`SIGKILL three times while consuming RabbitMQ (${store})`, { timeout: 300_000 }, () => {
    let broker;
    let server;
    let pg;
    let redis;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tallyhub-crash-'));
    const queue = `crash-${store}`;
    before(async () => {
      broker = await new RabbitMQ().start();
      if (store === 'postgres') {
        pg = await new Postgres().init();
        redis = await new Redis().start();
      }
    });
    after(async () => {
      await server?.close().catch(() => {});
      await broker?.close();
      await pg?.close();
      await redis?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('counts every event exactly once across the crashes', async () => {
      const { events, cents } = orders(`c${store}`, total);
      const sent = await protonSend(broker.url(`/queue/${queue}`), events, { durable: true, timeoutS: 120 });
      assert.equal(sent.accepted, total, JSON.stringify(sent).slice(0, 300));

      const storeArgs = store === 'postgres' ? ['--postgres', pg.url, '--redis', redis.url] : [];
      const start = async () => {
        const s = await startServer({ cores: 2, testHub: false, dataDir,
          args: ['--amqp-url', broker.url(`/amq/queue/${queue}`), '--amqp-credit', '300', '--tick', '50ms',
            '--amqp-listen', 'off', ...storeArgs] });
        try {
          await waitUntil(async () => (await fetch(s.adminUrl('/readyz'))).status === 200, 20_000, 'restored and ready', 50);
        } catch (err) {
          await s.kill();
          throw new Error(`${err.message}\n${s.output()}`);
        }
        return s;
      };
      server = await start();
      // Kill points spread over the stream, at random within each third.
      const kills = [0.1, 0.4, 0.7].map((lo) => Math.floor(total * (lo + Math.random() * 0.2)));
      for (const at of kills) {
        await waitUntil(async () => (await server.currentMetrics()).TotalOrders >= at, 60_000, `${at} orders counted`, 20);
        const seen = (await server.currentMetrics()).TotalOrders;
        await server.kill();
        server = null;
        server = await start();
        const after = (await server.currentMetrics()).TotalOrders;
        // What was committed before the kill is back; at most the last ticks, never settled, are
        // missing (the broker delivers them again).
        assert.ok(after <= total, `restarted with ${after}`);
        assert.ok(after >= seen - 300 * 2, `restarted with ${after} after ${seen} were seen`);
      }
      await waitUntil(async () => (await server.currentMetrics()).TotalOrders >= total, 90_000, 'every order counted', 100);
      await waitUntil(async () => { const q = (await broker.queues())[queue]; return q.ready === 0 && q.unacked === 0; },
        30_000, 'the queue empty and settled', 200);
      await sleep(500);
      const m = await server.currentMetrics();
      assert.equal(m.TotalOrders, total, 'exactly once, in the hub');
      assert.equal(Math.round(m.TotalRevenue * 100), cents);
      // The commit latency of the ticks since the restart, as quantiles an operator can graph.
      const p50 = await server.metric('tallyhub_commit_latency_seconds', { quantile: '0.5' });
      const p99 = await server.metric('tallyhub_commit_latency_seconds', { quantile: '0.99' });
      assert.ok(p50 > 0 && p99 >= p50 && p99 < 5, `commit p50 ${p50} s, p99 ${p99} s`);
      if (store === 'postgres') {
        const [row] = await pg.sql('select orders, revenue from tallyhub_totals where id = 1');
        const [o, r] = row.split('|');
        assert.equal(Number(o), total, 'exactly once, in PostgreSQL');
        assert.equal(Math.round(Number(r) * 100), cents);
        await waitUntil(async () => JSON.parse(await redis.cli('GET', 'realtime-metrics')).TotalOrders === total,
          5_000, 'realtime-metrics in Redis', 100);
        const live = JSON.parse(await redis.cli('GET', 'realtime-metrics'));
        assert.equal(Math.round(live.TotalRevenue * 100), cents, 'exactly once, in Redis');
      }
    });
  });
}
