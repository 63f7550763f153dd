// The MessagePack hub protocol with the official clients (@microsoft/signalr +
// @microsoft/signalr-protocol-msgpack 10.0.11) against the real server, beside JSON clients of the same
// server: invocations with several argument types, streams both ways, groups, broadcasts across
// cores, and MetricsHub's broadcasts carrying the same values in both protocols.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';
import { startServer } from './lib/server.mjs';
import { connect, stopAll, sleep, withTimeout, waitUntil, deferred, Recorder, signalR } from './lib/hub.mjs';

const graceMs = 300;   // safety margin for "did not arrive", checked after a later message did

/** A started MessagePack connection to `url` with a Recorder, as lib/hub.mjs's connect() for JSON. */
async function connectMsgpack(url, methods = []) {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(url)   // every transport offered: the client must pick one that lists Binary
    .withHubProtocol(new MessagePackHubProtocol())
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  const rec = new Recorder(connection);
  const got = Object.fromEntries(methods.map((m) => [m, []]));
  for (const m of methods) connection.on(m, (arg) => { got[m].push(arg); });
  await withTimeout(connection.start(), 10_000, `MessagePack connection.start() to ${url}`);
  return { connection, rec, got };
}

function collect(stream) {
  const items = [];
  const done = deferred();
  const sub = stream.subscribe({ next: (x) => items.push(x), complete: () => done.resolve(), error: (e) => done.reject(e) });
  return { items, done: done.promise, sub };
}

describe('MessagePack with the test hub (--cores 2)', () => {
  let server;
  let m1, m2, j;     // MessagePack connections on different cores, and a JSON one
  const open = [];

  before(async () => {
    server = await startServer({ cores: 2 });
    const byCore = new Map();
    for (let tries = 0; tries < 40 && byCore.size < 2; ++tries) {
      const c = await connectMsgpack(server.hubUrl);
      open.push(c.connection);
      c.core = await c.connection.invoke('GetCore');
      c.id = await c.connection.invoke('GetConnectionId');
      if (!byCore.has(c.core)) byCore.set(c.core, c);
    }
    if (byCore.size < 2) throw new Error('40 MessagePack connections all landed on one core: nothing tests cross-core sends');
    [m1, m2] = [...byCore.values()];
    await stopAll(open.filter((x) => x !== m1.connection && x !== m2.connection));
    open.length = 0;
    open.push(m1.connection, m2.connection);
    j = await connect(server.hubUrl);
    open.push(j.connection);
    j.id = await j.connection.invoke('GetConnectionId');
  });
  after(async () => { await stopAll(open); await server?.close(); });

  it('connects over WebSockets and gets Welcome(id) in MessagePack', async () => {
    assert.equal(m1.connection.state, signalR.HubConnectionState.Connected);
    assert.equal(m1.connection.connection.transport.constructor.name, 'WebSocketTransport');
    await m1.rec.received('Welcome', 1, 5_000);
    assert.deepEqual(m1.rec.calls.Welcome, [[m1.connection.connectionId]]);
    assert.equal(m1.id, m1.connection.connectionId);
  });

  it('invokes with strings, integers, dates and bytes, and gets typed results', async () => {
    const c = m1.connection;
    assert.equal(await c.invoke('Echo', 'hello'), 'hello');
    assert.equal(await c.invoke('Echo', 'héllo ✓ 😀 "quoted" \\ \n'), 'héllo ✓ 😀 "quoted" \\ \n');
    assert.equal(await c.invoke('Echo', ''), '');
    const long = 'x'.repeat(300) + 'é'.repeat(10_000);   // str16 both ways
    assert.equal(await c.invoke('Echo', long), long);
    assert.equal(await c.invoke('Add', 2, 3), 5);
    assert.equal(await c.invoke('Add', -7, 100000), 99993);
    assert.equal(await c.invoke('Add', 2 ** 40, 1), 2 ** 40 + 1);
    assert.equal(await c.invoke('Add', Number.MAX_SAFE_INTEGER - 1, 1), Number.MAX_SAFE_INTEGER);
    assert.equal(await c.invoke('add', -(2 ** 33), 0), -(2 ** 33), 'names match case-insensitively');
    // A Date goes as a MessagePack timestamp and binds to a string parameter as ISO 8601; bytes as base64.
    assert.equal(await c.invoke('Echo', new Date(Date.UTC(2026, 11, 3, 20, 7, 3, 123))), '2026-12-03T20:07:03.123Z');
    assert.equal(await c.invoke('Echo', new Uint8Array([0, 1, 2, 255])), 'AAEC/w==');
    assert.equal(await c.invoke('Nothing'), null);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => c.invoke('Add', i, 1000)));
    assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => i + 1000));
  });

  it('rejects with the exact errors and keeps the connection', async () => {
    const c = m1.connection;
    await assert.rejects(c.invoke('Fail', 'boom'), {
      message: "An unexpected error occurred invoking 'Fail' on the server. HubException: boom",
    });
    await assert.rejects(c.invoke('NoSuchMethod', 1), {
      message: "Failed to invoke 'NoSuchMethod' due to an error on the server. HubException: Method does not exist.",
    });
    for (const args of [['one', 2], [1.5, 2], [1], [{ a: 1 }, 2], [null, 1]]) {
      await assert.rejects(c.invoke('Add', ...args), (err) => {
        assert.ok(err.message.startsWith("Failed to invoke 'Add' due to an error on the server."), err.message);
        return true;
      });
    }
    await c.send('NoSuchMethodAtAll', 1);   // fire-and-forget: no reply at all
    assert.equal(await c.invoke('Echo', 'still here'), 'still here');
    assert.equal(m1.rec.closed, null);
  });

  it('streams Counter to completion and cancels it on dispose', async () => {
    const c = m2.connection;
    const s = collect(c.stream('Counter', 5, 0));
    await withTimeout(s.done, 5_000, 'Counter(5, 0)');
    assert.deepEqual(s.items, [0, 1, 2, 3, 4]);
    const empty = collect(c.stream('Counter', 0, 0));
    await withTimeout(empty.done, 5_000, 'Counter(0, 0)');
    assert.deepEqual(empty.items, []);
    const long = collect(c.stream('Counter', 1000, 20));
    await waitUntil(() => long.items.length >= 3, 5_000, 'three Counter items');
    long.sub.dispose();
    await waitUntil(async () => (await c.invoke('ActiveStreams')) === 0, 1_000, 'ActiveStreams() === 0 after dispose');
  });

  it('uploads a client stream to Sum', async () => {
    const subject = new signalR.Subject();
    const result = m2.connection.invoke('Sum', subject);
    for (let i = 1; i <= 100; i++) subject.next(i);
    subject.complete();
    assert.equal(await withTimeout(result, 5_000, 'Sum result'), 5050);
    const empty = new signalR.Subject();
    const zero = m2.connection.invoke('Sum', empty);
    empty.complete();
    assert.equal(await withTimeout(zero, 5_000, 'Sum of nothing'), 0);
  });

  it('groups: a JSON sender reaches MessagePack members on both cores, not after they leave', async () => {
    await m1.connection.invoke('JoinGroup', 'mp');
    await m2.connection.invoke('JoinGroup', 'mp');
    await j.connection.invoke('SendToGroup', 'mp', 'm1');
    await m1.rec.received('GroupMessage', 1, 5_000, 'm1 receiving');
    await m2.rec.received('GroupMessage', 1, 5_000, 'm2 receiving');
    assert.deepEqual(m1.rec.calls.GroupMessage, [['mp', 'm1']]);
    assert.deepEqual(m2.rec.calls.GroupMessage, [['mp', 'm1']]);
    await m2.connection.invoke('LeaveGroup', 'mp');
    await m2.connection.invoke('SendToGroup', 'mp', 'm2');
    await m1.rec.received('GroupMessage', 2, 5_000, 'm1 receiving the second');
    await sleep(graceMs);
    assert.deepEqual(m2.rec.calls.GroupMessage, [['mp', 'm1']], 'no message after leaving');
    assert.deepEqual(j.rec.calls.GroupMessage, [], 'the JSON non-member got nothing');
  });

  it('broadcasts reach JSON and MessagePack clients alike, in order', async () => {
    await m1.connection.invoke('Broadcast', 'from msgpack');
    await j.connection.invoke('Broadcast', 'from json');
    for (const c of [m1, m2, j]) {
      await c.rec.received('Broadcast', 2, 5_000, 'two Broadcasts');
      assert.deepEqual(c.rec.calls.Broadcast, [['from msgpack'], ['from json']]);
    }
    assert.equal(await j.connection.invoke('BroadcastSequence', 100), 100);
    for (const c of [m1, m2, j]) {
      await c.rec.received('Seq', 100, 5_000, '100 × Seq');
      assert.deepEqual(c.rec.calls.Seq.map((a) => a[0]), Array.from({ length: 100 }, (_, i) => i));
    }
  });

  it('targets one connection, the caller and the others across protocols', async () => {
    await j.connection.invoke('SendToConnection', m2.id, 'to m2');
    await m2.rec.received('Message', 1, 5_000);
    assert.deepEqual(m2.rec.calls.Message.at(-1), ['to m2']);
    await m1.connection.invoke('SendToCaller', 'to me');
    await m1.rec.received('Message', 1, 5_000);
    assert.deepEqual(m1.rec.calls.Message.at(-1), ['to me']);
    await m2.connection.invoke('SendToOthers', 'not m2');
    await m1.rec.received('Message', 2, 5_000);
    await j.rec.received('Message', 1, 5_000);
    assert.deepEqual(j.rec.calls.Message.at(-1), ['not m2']);
    await sleep(graceMs);
    assert.equal(m2.rec.calls.Message.length, 1, 'the sender is not among the others');
  });

  it('counts connections by protocol in /metrics', async () => {
    const labels = (protocol) => ({ hub: '/hubs/test', transport: 'websockets', protocol });
    await waitUntil(async () => (await server.metric('tallyhub_signalr_connections_by_protocol', labels('messagepack'))) === 2,
      2_000, 'two MessagePack connections');
    assert.equal(await server.metric('tallyhub_signalr_connections_by_protocol', labels('json')), 1);
  });
});

const updateMethods = ['ReceiveCurrentMetrics', 'ReceiveMetricsUpdate', 'ReceivePaymentMetricsUpdate',
  'ReceiveSlidingWindowUpdate', 'ReceiveBatchUpdate'];
const isoMs = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('MetricsHub over MessagePack (--cores 2, --demo-rate 400, --broadcast-interval 200ms)', () => {
  let server, mp, js;
  before(async () => {
    server = await startServer({ cores: 2, testHub: false,
      args: ['--demo-rate', '400', '--broadcast-interval', '200ms', '--window', '60s'] });
    const got = Object.fromEntries(updateMethods.map((m) => [m, []]));
    const configure = (c) => { for (const m of updateMethods) c.on(m, (arg) => { got[m].push(arg); }); };
    js = { ...(await connect(server.url('/hubs/metrics'), { configure })), got };
    mp = await connectMsgpack(server.url('/hubs/metrics'), updateMethods);
  });
  after(async () => { await stopAll([mp?.connection, js?.connection]); await server?.close(); });

  it('sends ReceiveCurrentMetrics on connect, numbers as numbers and times as strings', async () => {
    await waitUntil(() => mp.got.ReceiveCurrentMetrics.length > 0, 5_000, 'ReceiveCurrentMetrics');
    const m = mp.got.ReceiveCurrentMetrics[0];
    assert.deepEqual(Object.keys(m).sort(),
      ['AverageOrderValue', 'Timestamp', 'TotalOrders', 'TotalPaymentsProcessed', 'TotalRevenue']);
    for (const k of ['TotalOrders', 'TotalRevenue', 'AverageOrderValue', 'TotalPaymentsProcessed'])
      assert.equal(typeof m[k], 'number', `${k} is a number`);
    assert.equal(typeof m.Timestamp, 'string');
    assert.match(m.Timestamp, isoMs);
    assert.equal(mp.got.ReceiveSlidingWindowUpdate.length >= 1, true, 'the window state on connect');
  });

  it('broadcasts each tick with the values a JSON client gets in the same tick', async () => {
    await sleep(2_500);
    const byTime = (list) => new Map(list.map((u) => [u.Timestamp, u]));
    const json = byTime(js.got.ReceiveMetricsUpdate);
    const pairs = mp.got.ReceiveMetricsUpdate.filter((u) => json.has(u.Timestamp));
    assert.ok(pairs.length >= 5, `at least 5 ticks seen by both clients (got ${pairs.length} of ${mp.got.ReceiveMetricsUpdate.length})`);
    for (const u of pairs) {
      assert.deepEqual(u, json.get(u.Timestamp), `tick ${u.Timestamp}`);
      assert.equal(typeof u.TotalRevenue, 'number');
      assert.equal(typeof u.TotalOrders, 'number');
      assert.match(u.Timestamp, isoMs);
    }
    const payments = byTime(js.got.ReceivePaymentMetricsUpdate);
    const paid = mp.got.ReceivePaymentMetricsUpdate.filter((u) => payments.has(u.Timestamp));
    assert.ok(paid.length > 0, 'ReceivePaymentMetricsUpdate in both protocols');
    for (const u of paid) assert.deepEqual(u, payments.get(u.Timestamp));
    const windows = new Map(js.got.ReceiveSlidingWindowUpdate.map((w) => [w.WindowEnd, w]));
    const same = mp.got.ReceiveSlidingWindowUpdate.filter((w) => windows.has(w.WindowEnd));
    assert.ok(same.length > 0, 'ReceiveSlidingWindowUpdate in both protocols');
    for (const w of same) assert.deepEqual(w, windows.get(w.WindowEnd));
    const batches = new Set(js.got.ReceiveBatchUpdate.map((b) => JSON.stringify(b)));
    assert.ok(mp.got.ReceiveBatchUpdate.length > 0, 'ReceiveBatchUpdate arrived');
    assert.ok(mp.got.ReceiveBatchUpdate.some((b) => batches.has(JSON.stringify(b))), 'batches match the JSON ones');
  });

  it('answers GetCurrentMetrics and GetHistory in MessagePack', async () => {
    const cur = await mp.connection.invoke('GetCurrentMetrics');
    assert.equal(typeof cur.TotalOrders, 'number');
    assert.equal(typeof cur.TotalRevenue, 'number');
    assert.match(cur.Timestamp, isoMs);
    const hist = await mp.connection.invoke('GetHistory', 5);
    assert.equal(hist.length, 5);
    for (const p of hist) {
      assert.deepEqual(Object.keys(p).sort(), ['OrderCount', 'Revenue', 'Timestamp']);
      assert.match(p.Timestamp, isoMs);
      assert.equal(typeof p.OrderCount, 'number');
      assert.equal(typeof p.Revenue, 'number');
    }
    await assert.rejects(mp.connection.invoke('GetHistory', 0), /seconds must be between 1 and 60/);
  });

  it('shows one MessagePack and one JSON connection in /metrics', async () => {
    const labels = (protocol) => ({ hub: '/hubs/metrics', transport: 'websockets', protocol });
    assert.equal(await server.metric('tallyhub_signalr_connections_by_protocol', labels('messagepack')), 1);
    assert.equal(await server.metric('tallyhub_signalr_connections_by_protocol', labels('json')), 1);
    assert.equal(await server.metric('tallyhub_signalr_connections', { hub: '/hubs/metrics' }), 2);
  });
});
