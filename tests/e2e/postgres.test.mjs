// Durable totals in a real PostgreSQL 15 (--postgres; issue 6): each tick is one transaction and its
// deliveries are settled after it; totals and daily sales in the tables match exact sums; a restart
// restores them and the dedup keys; while PostgreSQL is down dashboards keep their numbers, /readyz
// says why, credit stops (nothing is accepted), and everything goes in once it is back.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { waitUntil, sleep } from './lib/hub.mjs';
import { protonSend, orders } from './lib/proton.mjs';
import { Postgres } from './lib/postgres.mjs';

describe('durable totals in PostgreSQL (--postgres postgresql://postgres@127.0.0.1:PORT/postgres)', { timeout: 180_000 }, () => {
  let pg;
  let server;
  const start = () => startServer({ cores: 2, testHub: false,
    args: ['--postgres', pg.url, '--tick', '50ms', '--amqp-credit', '200'] });
  before(async () => {
    pg = await new Postgres().init();
    server = await start();
  });
  after(async () => { await server?.close().catch(() => {}); await pg?.close(); });

  const stored = async () => {
    const [row] = await pg.sql('select orders, revenue, payments from tallyhub_totals where id = 1');
    const [o, r, p] = row.split('|');
    return { orders: Number(o), revenueCents: Math.round(Number(r) * 100), payments: Number(p) };
  };

  it('commits exact totals and daily sales, settling only what is committed', async () => {
    const { events, cents } = orders('pg', 3_000);
    for (let i = 0; i < 1_000; ++i) events.push({ type: 'PaymentProcessed', id: `pp-${i}`, body: { OrderId: `pg-${i}`, Amount: 2 } });
    const sent = await protonSend(server.amqpUrl('orders'), events);
    assert.equal(sent.accepted, 4_000);
    // Accepted means committed: the rows are there already.
    assert.deepEqual(await stored(), { orders: 3_000, revenueCents: cents, payments: 1_000 });
    const days = await pg.sql('select day, order_count, revenue, payments from tallyhub_daily_sales');
    assert.equal(days.length, 1, days.join(';'));
    const [, count, revenue, payments] = days[0].split('|');
    assert.equal(Number(count), 3_000);
    assert.equal(Math.round(Number(revenue) * 100), cents);
    assert.equal(Number(payments), 1_000);
    const [keys] = await pg.sql('select sum(key_count) from tallyhub_dedup');
    assert.equal(Number(keys), 4_000, 'one dedup key per event');
    const r = await fetch(server.adminUrl('/readyz'));
    assert.equal(r.status, 200);
  });

  it('restores the totals and the dedup keys after a crash', async () => {
    await server.kill();
    server = await start();
    // Ready once the totals are restored (until then /readyz says it is restoring).
    await waitUntil(async () => (await fetch(server.adminUrl('/readyz'))).status === 200, 10_000, 'restored', 50);
    const m = await server.currentMetrics();
    assert.equal(m.TotalOrders, 3_000);
    assert.equal(m.TotalPaymentsProcessed, 1_000);
    // The same 3,000 orders again: recognised by their message ids, settled, not counted.
    const { events } = orders('pg', 3_000);
    assert.equal((await protonSend(server.amqpUrl('orders'), events)).accepted, 3_000);
    assert.equal((await stored()).orders, 3_000);
    assert.equal(await server.metric('tallyhub_duplicates_total'), 3_000);
  });

  it('stops settling while PostgreSQL is down for 10 s under load, and loses nothing when it is back', async () => {
    const acceptedBefore = await server.metric('tallyhub_amqp_outcomes_total', { outcome: 'accepted' });
    await pg.stop();
    const { events, cents } = orders('down', 500);
    const sending = protonSend(server.amqpUrl('orders'), events, { timeoutS: 90 });
    await waitUntil(async () => (await fetch(server.adminUrl('/readyz'))).status === 503, 10_000, '/readyz 503', 100);
    const body = await (await fetch(server.adminUrl('/readyz'))).json();
    assert.match(body.reason, /PostgreSQL .* wait, deliveries are not settled/);
    await sleep(500);
    assert.equal(await server.metric('tallyhub_amqp_outcomes_total', { outcome: 'accepted' }), acceptedBefore,
      'nothing accepted while down');
    const live = (await server.currentMetrics()).TotalOrders;
    assert.ok(live > 3_000, 'the dashboards still move (served from memory)');
    // Ten seconds down, the producer still trying: nothing is accepted, nothing is lost.
    await sleep(9_500);
    assert.equal(await server.metric('tallyhub_amqp_outcomes_total', { outcome: 'accepted' }), acceptedBefore);
    assert.equal((await fetch(server.adminUrl('/readyz'))).status, 503);
    await pg.start();
    const sent = await sending;
    assert.equal(sent.accepted, 500, JSON.stringify(sent).slice(0, 300));
    await waitUntil(async () => (await fetch(server.adminUrl('/readyz'))).status === 200, 10_000, '/readyz 200 again', 100);
    const s = await stored();
    assert.equal(s.orders, 3_500);
    assert.ok(s.revenueCents > cents, 'revenue of both batches');
  });
});
