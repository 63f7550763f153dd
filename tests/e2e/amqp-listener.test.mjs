// Producers sending straight to tallyhub's AMQP 1.0 listener (issue 5), with Qpid Proton as the
// producer and the official SignalR client as the dashboard: exact totals, rejected bodies with
// their reasons, ignored types, SASL PLAIN, and the counters in /metrics.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { connect, stopAll, waitUntil } from './lib/hub.mjs';
import { protonSend, orders } from './lib/proton.mjs';

async function currentMetrics(connection) {
  return connection.invoke('GetCurrentMetrics');
}

// A MetricsHub connection that takes every broadcast method (unhandled ones would be warned about).
async function dashboardAt(url) {
  const quiet = (c) => {
    for (const m of ['ReceiveCurrentMetrics', 'ReceiveMetricsUpdate', 'ReceivePaymentMetricsUpdate',
      'ReceiveSlidingWindowUpdate', 'ReceiveBatchUpdate']) c.on(m, () => {});
  };
  const { connection } = await connect(url, { configure: quiet });
  return connection;
}

describe('AMQP listener with a Proton producer (--cores 2)', () => {
  let server;
  const open = [];
  before(async () => {
    server = await startServer({ cores: 2, testHub: false, args: ['--tick', '50ms', '--broadcast-interval', '100ms'] });
  });
  after(async () => { await stopAll(open); await server?.close(); });

  it('counts 10,000 orders and 4,000 payments exactly, as the SignalR dashboard sees them', async () => {
    const dashboard = await dashboardAt(server.url('/hubs/metrics'));
    open.push(dashboard);
    const updates = [];
    dashboard.on('ReceiveMetricsUpdate', (m) => { updates.push(m); });
    const { events, cents } = orders('l', 10_000);
    for (let i = 0; i < 4_000; ++i) {
      events.push({ type: 'PaymentProcessed', id: `p-${i}`, body: { OrderId: `l-${i}`, Amount: '10.00', PaymentId: `pay-${i}` } });
    }
    const summary = await protonSend(server.amqpUrl('orders'), events);
    assert.equal(summary.error, null);
    assert.equal(summary.accepted, 14_000, JSON.stringify(summary).slice(0, 500));
    assert.equal(summary.rejected, 0);

    // Accepted means merged: the totals are there at once.
    const m = await currentMetrics(dashboard);
    assert.equal(m.TotalOrders, 10_000);
    assert.equal(Math.round(m.TotalRevenue * 100), cents);
    assert.equal(m.TotalPaymentsProcessed, 4_000);
    assert.equal(Math.round(m.AverageOrderValue * 100), Math.round(cents / 10_000));
    await waitUntil(() => updates.some((u) => u.TotalOrders === 10_000), 5_000, 'a broadcast with the final total');
    assert.equal(Math.round(updates.at(-1).TotalRevenue * 100), cents);
  });

  it('rejects invalid bodies with the reason, accepts unknown types, and keeps the link going', async () => {
    const dashboard = await dashboardAt(server.url('/hubs/metrics'));
    open.push(dashboard);
    const before = await currentMetrics(dashboard);
    const events = [
      { type: 'OrderCreated', id: 'b-0', body: { TotalAmount: 5 } },
      { type: 'OrderCreated', id: 'b-1', body: { OrderId: 'b-1', TotalAmount: -3 } },
      { type: 'OrderCreated', id: 'b-2', body: 'not json {' },
      { type: 'PaymentProcessed', id: 'b-3', body: [1, 2, 3] },
      { type: 'OrderCreated', id: 'b-4', body: { OrderId: 'b-4', TotalAmount: 'ten' } },
      { type: 'CustomerRegistered', id: 'b-5', body: { CustomerId: 'c-1' } },
      { type: 'OrderCreated', id: 'b-6', body: { OrderId: 'b-6', TotalAmount: '12.3456' } },
      { messageType: 'OrderCreated', id: 'b-7', body: { OrderId: 'b-7', TotalAmount: 1 } },
    ];
    const summary = await protonSend(server.amqpUrl('orders'), events);
    assert.equal(summary.error, null);
    assert.equal(summary.rejected, 5);
    assert.equal(summary.accepted, 3, 'the unknown type and the two valid orders');
    const reasons = Object.fromEntries(summary.rejections.map((r) => [r.index, r]));
    for (const r of summary.rejections) assert.equal(r.condition, 'amqp:decode-error');
    assert.equal(reasons[0].description, "missing required property 'OrderId'");
    assert.equal(reasons[1].description, 'amount must not be negative');
    assert.equal(reasons[2].description, 'body is not valid JSON');
    assert.equal(reasons[3].description, 'body is not a JSON object');
    assert.equal(reasons[4].description, 'amount must be a decimal number');

    const after = await currentMetrics(dashboard);
    assert.equal(after.TotalOrders - before.TotalOrders, 2, 'b-6 by subject, b-7 by the MessageType property');
    assert.equal(Math.round((after.TotalRevenue - before.TotalRevenue) * 10_000), 133_456);

    const metric = (labels) => server.metric('tallyhub_amqp_rejections_total', labels);
    assert.equal(await metric({ reason: 'missing_order_id' }), 1);
    assert.equal(await metric({ reason: 'negative_amount' }), 1);
    assert.equal(await metric({ reason: 'not_json' }), 1);
    assert.equal(await metric({ reason: 'not_object' }), 1);
    assert.equal(await metric({ reason: 'bad_amount' }), 1);
    assert.equal(await server.metric('tallyhub_amqp_events_total', { result: 'ignored' }), 1);
    assert.equal(await server.metric('tallyhub_amqp_outcomes_total', { outcome: 'rejected' }), 5);
  });

  it('takes pre-settled messages too', async () => {
    const dashboard = await dashboardAt(server.url('/hubs/metrics'));
    open.push(dashboard);
    const before = await currentMetrics(dashboard);
    const { events } = orders('s', 500);
    const summary = await protonSend(server.amqpUrl('orders'), events, { presettled: true });
    assert.equal(summary.error, null);
    await waitUntil(async () => (await currentMetrics(dashboard)).TotalOrders - before.TotalOrders === 500,
      5_000, '500 pre-settled orders counted', 50);
  });
});

describe('AMQP listener with SASL PLAIN only (--amqp-user ingest, --amqp-anonymous false)', () => {
  let server;
  before(async () => {
    server = await startServer({ cores: 1, testHub: false,
      args: ['--amqp-user', 'ingest', '--amqp-password', 's3cret', '--amqp-anonymous', 'false'] });
  });
  after(async () => { await server?.close(); });

  const one = [{ type: 'OrderCreated', id: 'a-1', body: { OrderId: 'a-1', TotalAmount: 1 } }];

  it('accepts the right password', async () => {
    const summary = await protonSend(server.amqpUrl('orders', 'ingest:s3cret'), one, { mechs: 'PLAIN' });
    assert.equal(summary.error, null);
    assert.equal(summary.accepted, 1);
  });

  it('refuses a wrong password and anonymous producers', async () => {
    const wrong = await protonSend(server.amqpUrl('orders', 'ingest:nope'), one, { mechs: 'PLAIN', timeoutS: 10 });
    assert.match(String(wrong.error), /amqp:unauthorized-access/);
    assert.equal(wrong.accepted, 0);
    const anonymous = await protonSend(server.amqpUrl('orders'), one, { mechs: 'ANONYMOUS', timeoutS: 10 });
    assert.match(String(anonymous.error), /unauthorized|SASL|mech/i, 'proton gives up: ANONYMOUS is not offered');
    assert.equal(anonymous.accepted, 0);
    assert.equal(await server.metric('tallyhub_amqp_connection_errors_total'), 1, 'the wrong password');
  });
});
