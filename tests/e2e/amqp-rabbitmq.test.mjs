// tallyhub consuming from a real RabbitMQ 3.10 (rabbitmq_amqp1_0) with --amqp-url (issue 5):
// Proton publishes to a durable queue; tallyhub consumes it exactly; rejected messages are not
// redelivered; a broker restart in the middle of the stream loses nothing once tallyhub reconnects.
// The broker runs from a temporary directory on free loopback ports (tests/e2e/lib/rabbitmq.mjs).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { waitUntil, sleep } from './lib/hub.mjs';
import { protonSend, orders } from './lib/proton.mjs';
import { RabbitMQ } from './lib/rabbitmq.mjs';

const applied = (server) => server.metric('tallyhub_events_applied_total', { type: 'OrderCreated' });


describe('consuming a RabbitMQ queue (--amqp-url amqp://guest:guest@127.0.0.1:PORT//amq/queue/orders)', { timeout: 240_000 }, () => {
  let broker;
  let server;
  before(async () => {
    broker = await new RabbitMQ().start();
  });
  after(async () => {
    await server?.close();
    await broker?.close();
  });

  it('consumes every published event exactly; rejected ones are not redelivered', async () => {
    // Declares the durable queue and fills it before tallyhub attaches.
    const first = orders('r', 2_000);
    const bad = [
      { type: 'OrderCreated', id: 'bad-1', body: { TotalAmount: 1 } },
      { type: 'OrderCreated', id: 'bad-2', body: 'nope' },
      { type: 'PaymentProcessed', id: 'bad-3', body: { OrderId: 'r-1', Amount: -5 } },
    ];
    const unknown = [{ type: 'InvoiceSent', id: 'other-1', body: { InvoiceId: 'i-1' } }];
    const sent = await protonSend(broker.url('/queue/orders'), [...first.events, ...bad, ...unknown], { durable: true });
    assert.equal(sent.error, null);
    assert.equal(sent.accepted, 2_004, 'the broker took every message');
    assert.deepEqual((await broker.queues()).orders, { ready: 2_004, unacked: 0 });

    server = await startServer({ cores: 2, testHub: false,
      args: ['--amqp-url', broker.url('/amq/queue/orders'), '--amqp-credit', '50', '--tick', '100ms'] });
    await waitUntil(async () => (await applied(server)) === 2_000, 20_000, '2,000 orders applied', 100);
    await waitUntil(async () => (await broker.queues()).orders.ready === 0 &&
      (await broker.queues()).orders.unacked === 0, 20_000, 'the queue drained and every delivery settled', 200);
    assert.equal(await server.metric('tallyhub_amqp_outcomes_total', { outcome: 'rejected' }), 3);
    assert.equal(await server.metric('tallyhub_amqp_events_total', { result: 'ignored' }), 1);
    assert.equal(await server.metric('tallyhub_amqp_receivers', { state: 'attached' }), 1);

    // Rejected means dropped by RabbitMQ (no dead-letter exchange here): nothing comes back.
    await sleep(1_000);
    assert.equal(await server.metric('tallyhub_amqp_deliveries_total'), 2_004);
    assert.equal(await applied(server), 2_000);
    const current = await server.currentMetrics();
    assert.equal(current.TotalOrders, 2_000);
    assert.equal(Math.round(current.TotalRevenue * 100), first.cents);
  });

  it('loses nothing when RabbitMQ restarts in the middle of the stream', async () => {
    const base = await applied(server);
    const second = orders('s', 6_000);
    const sent = await protonSend(broker.url('/queue/orders'), second.events, { durable: true });
    assert.equal(sent.accepted, 6_000);
    // With 50 credit and a 100 ms tick tallyhub takes at most ~500/s (settlement waits for each tick),
    // so the broker stops part way even on a loaded machine.
    await waitUntil(async () => (await applied(server)) - base >= 1_000, 20_000, 'consumption under way', 20);
    await broker.stop();
    const atStop = (await applied(server)) - base;
    assert.ok(atStop < 6_000, `the broker stopped mid-stream (${atStop} applied)`);
    await waitUntil(async () => (await server.metric('tallyhub_amqp_receivers', { state: 'attached' })) === 0,
      10_000, 'tallyhub saw the broker go', 100);
    await broker.boot();
    await waitUntil(async () => (await applied(server)) - base >= 6_000, 60_000, 'every order after the restart', 200);
    await waitUntil(async () => { const q = (await broker.queues()).orders; return q.ready === 0 && q.unacked === 0; },
      20_000, 'the queue drained again', 200);
    // At-least-once delivery: what was applied but not yet settled when the broker stopped comes
    // again; tallyhub recognises it by its message id and does not count it twice.
    await waitUntil(async () => (await server.currentMetrics()).TotalOrders === 2_000 + 6_000, 10_000, 'exact totals', 100);
    const redelivered = await server.metric('tallyhub_duplicates_total');
    const total = (await applied(server)) - base;
    assert.equal(total - redelivered, 6_000, `applied ${total}, of which ${redelivered} recognised as redeliveries`);
    assert.ok(await server.metric('tallyhub_amqp_receiver_connects_total') >= 2, 'reconnected');
  });
});
