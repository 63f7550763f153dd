// Server-Sent Events and long polling with the official client (@microsoft/signalr 10.0.11, and
// @microsoft/signalr-protocol-msgpack over long polling) against the real server: connect, invoke,
// server streams, groups and broadcasts on /hubs/test, MetricsHub's broadcasts, --transports and the
// client's fallback, negotiate's list, the wire details of both transports, and /metrics by transport.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';
import { startServer } from './lib/server.mjs';
import { stopAll, sleep, withTimeout, waitUntil, deferred, Recorder, signalR } from './lib/hub.mjs';

const { HttpTransportType } = signalR;

/** A started connection over `transport` (undefined: the client picks) with a Recorder. */
async function open(url, { transport, msgpack = false, methods = [] } = {}) {
  let builder = new signalR.HubConnectionBuilder()
    .withUrl(url, transport === undefined ? {} : { transport })
    .configureLogging(signalR.LogLevel.Warning);
  if (msgpack) builder = builder.withHubProtocol(new MessagePackHubProtocol());
  const connection = builder.build();
  const rec = new Recorder(connection);
  const got = Object.fromEntries(methods.map((m) => [m, []]));
  for (const m of methods) connection.on(m, (arg) => { got[m].push(arg); });
  await withTimeout(connection.start(), 10_000, `connection.start() to ${url}`);
  return { connection, rec, got };
}

/** The transport the client ended up on ('WebSockets', 'ServerSentEvents', 'LongPolling'). */
function transportOf(connection) {
  const name = connection.connection?.transport?.constructor?.name ?? '';
  if (name.startsWith('WebSocket')) return 'WebSockets';
  if (name.startsWith('ServerSentEvents')) return 'ServerSentEvents';
  if (name.startsWith('LongPolling')) return 'LongPolling';
  return name;
}

function collect(stream) {
  const items = [];
  const done = deferred();
  stream.subscribe({ next: (x) => items.push(x), complete: () => done.resolve(), error: (e) => done.reject(e) });
  return { items, done: done.promise };
}

async function negotiate(server, path = '/hubs/test') {
  const res = await fetch(server.url(`${path}/negotiate?negotiateVersion=1`), { method: 'POST' });
  assert.equal(res.status, 200);
  return res.json();
}

const variants = [
  { name: 'ServerSentEvents (JSON)', transport: HttpTransportType.ServerSentEvents, msgpack: false },
  { name: 'LongPolling (JSON)', transport: HttpTransportType.LongPolling, msgpack: false },
  { name: 'LongPolling (MessagePack)', transport: HttpTransportType.LongPolling, msgpack: true },
];

for (const v of variants) {
  describe(`test hub over ${v.name} (--cores 2)`, () => {
    let server;
    let a, b;
    before(async () => {
      server = await startServer({ cores: 2 });
      a = await open(server.hubUrl, v);
      b = await open(server.hubUrl, v);
    });
    after(async () => { await stopAll([a?.connection, b?.connection]); await server?.close(); });

    it('connects on the asked transport and gets Welcome(id)', async () => {
      const expected = v.transport === HttpTransportType.ServerSentEvents ? 'ServerSentEvents' : 'LongPolling';
      assert.equal(transportOf(a.connection), expected);
      await a.rec.received('Welcome', 1, 5_000);
      assert.equal(a.rec.calls.Welcome[0][0], await a.connection.invoke('GetConnectionId'));
    });

    it('invokes methods: results, void, hub errors', async () => {
      assert.equal(await a.connection.invoke('Echo', 'héllo ✓'), 'héllo ✓');
      assert.equal(await a.connection.invoke('Add', 2, 40), 42);
      assert.equal(await a.connection.invoke('Nothing'), null);
      await assert.rejects(a.connection.invoke('Fail', 'nope'), /nope/);
      // Many sends in a row, each its own POST (or batched by the client).
      const sums = await Promise.all(Array.from({ length: 20 }, (_, i) => a.connection.invoke('Add', i, 1)));
      assert.deepEqual(sums, Array.from({ length: 20 }, (_, i) => i + 1));
    });

    it('streams from the server', async () => {
      const s = collect(a.connection.stream('Counter', 5, 10));
      await withTimeout(s.done, 5_000, 'Counter stream');
      assert.deepEqual(s.items, [0, 1, 2, 3, 4]);
    });

    it('broadcasts reach every connection, groups only their members', async () => {
      await a.connection.invoke('Broadcast', 'to all');
      await a.rec.received('Broadcast', 1, 5_000);
      await b.rec.received('Broadcast', 1, 5_000);
      assert.equal(b.rec.calls.Broadcast[0][0], 'to all');
      await b.connection.invoke('JoinGroup', 'g1');
      await a.connection.invoke('SendToGroup', 'g1', 'members only');
      await b.rec.received('GroupMessage', 1, 5_000);
      await a.connection.invoke('Echo', 'sync');
      await sleep(200);
      assert.equal(a.rec.calls.GroupMessage.length, 0, 'a non-member got the group message');
      await b.connection.invoke('LeaveGroup', 'g1');
    });

    it('/metrics counts the connections by transport and protocol', async () => {
      const transport = v.transport === HttpTransportType.ServerSentEvents ? 'sse' : 'longpolling';
      const protocol = v.msgpack ? 'messagepack' : 'json';
      const labels = { hub: '/hubs/test', transport, protocol };
      assert.equal(await server.metric('tallyhub_signalr_connections_by_protocol', labels), 2);
      assert.equal(await server.metric('tallyhub_signalr_connections_by_protocol',
        { hub: '/hubs/test', transport: 'websockets', protocol: 'json' }), 0);
      await b.connection.stop();
      await waitUntil(async () => (await server.metric('tallyhub_signalr_connections_by_protocol', labels)) === 1,
        5_000, 'one connection left');
    });
  });
}

describe('many SSE and long-polling connections (--cores 2)', () => {
  // Requests of one connection land on either core (SO_REUSEPORT picks per TCP connection): an SSE
  // connection lives on the core of its GET, a long-polling one on its token's owner core, and the
  // polls, POSTs and DELETEs that arrive elsewhere are forwarded there as messages.
  let server;
  const conns = [];
  before(async () => { server = await startServer({ cores: 2 }); });
  after(async () => { await stopAll(conns); await server?.close(); });
  const range = (n) => Array.from({ length: n }, (_, i) => i);

  for (const v of variants) {
    it(`40 connections over ${v.name}: both cores serve, every invocation answered, every broadcast once and in order`,
      { timeout: 120_000 }, async () => {
        const list = await Promise.all(range(40).map(() => open(server.hubUrl, v)));
        conns.push(...list.map((d) => d.connection));
        const cores = await Promise.all(list.map((d) => d.connection.invoke('GetCore')));
        assert.ok(cores.includes(0) && cores.includes(1), `connections by core: ${cores.join(',')}`);
        const sums = await Promise.all(list.map((d, i) => Promise.all(range(10).map((k) => d.connection.invoke('Add', i, k)))));
        sums.forEach((r, i) => assert.deepEqual(r, range(10).map((k) => i + k)));
        await list[0].connection.invoke('BroadcastSequence', 50);
        await Promise.all(list.map((d) => d.rec.received('Seq', 50, 20_000)));
        for (const d of list) assert.deepEqual(d.rec.calls.Seq.map((a) => a[0]), range(50));
        const transport = v.transport === HttpTransportType.ServerSentEvents ? 'sse' : 'longpolling';
        const labels = { hub: '/hubs/test', transport, protocol: v.msgpack ? 'messagepack' : 'json' };
        assert.equal(await server.metric('tallyhub_signalr_connections_by_protocol', labels), 40);
        await stopAll(list.map((d) => d.connection));
        await waitUntil(async () => (await server.metric('tallyhub_signalr_connections_by_protocol', labels)) === 0,
          10_000, 'every connection closed');
      });
  }
});

describe('MetricsHub over SSE and long polling (--demo-rate 400 --broadcast-interval 200ms)', () => {
  let server;
  const conns = [];
  before(async () => { server = await startServer({ cores: 2, args: ['--demo-rate', '400', '--broadcast-interval', '200ms'] }); });
  after(async () => { await stopAll(conns); await server?.close(); });

  for (const v of variants) {
    it(`ReceiveCurrentMetrics on connect, then ReceiveMetricsUpdate, over ${v.name}`, async () => {
      const d = await open(server.url('/hubs/metrics'), { ...v, methods: ['ReceiveCurrentMetrics', 'ReceiveMetricsUpdate'] });
      conns.push(d.connection);
      await waitUntil(() => d.got.ReceiveCurrentMetrics.length > 0, 5_000, 'ReceiveCurrentMetrics');
      await waitUntil(() => d.got.ReceiveMetricsUpdate.length >= 3, 5_000, 'three ReceiveMetricsUpdate');
      const m = d.got.ReceiveMetricsUpdate.at(-1);
      assert.equal(typeof m.TotalOrders, 'number');
    });
  }
});

describe('--transports and the client\'s fallback', () => {
  it('negotiate lists every transport by default, in the server\'s order', async () => {
    const server = await startServer();
    try {
      const n = await negotiate(server);
      assert.deepEqual(n.availableTransports, [
        { transport: 'WebSockets', transferFormats: ['Text', 'Binary'] },
        { transport: 'ServerSentEvents', transferFormats: ['Text'] },
        { transport: 'LongPolling', transferFormats: ['Text', 'Binary'] },
      ]);
    } finally { await server.close(); }
  });

  it('--transports sse,longpolling: negotiate lists those, the default client uses SSE, MessagePack long polling', async () => {
    const server = await startServer({ args: ['--transports', 'sse,longpolling'] });
    const conns = [];
    try {
      const n = await negotiate(server);
      assert.deepEqual(n.availableTransports.map((t) => t.transport), ['ServerSentEvents', 'LongPolling']);
      const j = await open(server.hubUrl);
      conns.push(j.connection);
      assert.equal(transportOf(j.connection), 'ServerSentEvents');
      assert.equal(await j.connection.invoke('Add', 1, 2), 3);
      const m = await open(server.hubUrl, { msgpack: true });
      conns.push(m.connection);
      assert.equal(transportOf(m.connection), 'LongPolling');
      assert.equal(await m.connection.invoke('Add', 1, 2), 3);
      // A WebSocket request is refused as ASP.NET does.
      const ws = await fetch(server.hubUrl + '?id=x', { headers: { Connection: 'Upgrade', Upgrade: 'websocket' } }).catch(() => null);
      if (ws) assert.equal(ws.status, 404);
    } finally { await stopAll(conns); await server.close(); }
  });

  it('--transports longpolling: the default client ends up on long polling', async () => {
    const server = await startServer({ args: ['--transports', 'longpolling'] });
    const conns = [];
    try {
      const n = await negotiate(server);
      assert.deepEqual(n.availableTransports, [{ transport: 'LongPolling', transferFormats: ['Text', 'Binary'] }]);
      const j = await open(server.hubUrl);
      conns.push(j.connection);
      assert.equal(transportOf(j.connection), 'LongPolling');
      assert.equal(await j.connection.invoke('Echo', 'lp'), 'lp');
      const res = await fetch(server.hubUrl + '?id=whatever', { headers: { Accept: 'text/event-stream' } });
      assert.equal(res.status, 404);
      assert.match(await res.text(), /ServerSentEvents transport not supported by this end point type/);
    } finally { await stopAll(conns); await server.close(); }
  });

  it('--transports with an unknown name is refused at start-up', async () => {
    const server = await startServer({ args: ['--transports', 'websockets,carrier-pigeon'] }).catch((e) => e);
    assert.ok(server instanceof Error, 'the server started');
  });
});

describe('wire details (raw HTTP)', () => {
  let server;
  before(async () => { server = await startServer({ cores: 2, clientTimeout: '2s' }); });
  after(async () => { await server?.close(); });

  it('SSE: headers, the opening comment at once, data: lines with CRLF, 409 for a second stream', async () => {
    const { connectionToken: token } = await negotiate(server);
    const ac = new AbortController();
    const res = await fetch(server.hubUrl + `?id=${token}`, { headers: { Accept: 'text/event-stream' }, signal: ac.signal });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    assert.equal(res.headers.get('cache-control'), 'no-cache, no-store');
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let text = '';
    const readUntil = async (pred) => {
      while (!pred(text)) {
        const { value, done } = await withTimeout(reader.read(), 3_000, 'SSE read');
        if (done) break;
        text += dec.decode(value);
      }
    };
    await readUntil((t) => t.length >= 3);
    assert.equal(text, ':\r\n');
    const second = await fetch(server.hubUrl + `?id=${token}`, { headers: { Accept: 'text/event-stream' } });
    assert.equal(second.status, 409);
    const post = await fetch(server.hubUrl + `?id=${token}`, { method: 'POST', body: '{"protocol":"json","version":1}\x1e' });
    assert.equal(post.status, 200);
    await readUntil((t) => t.includes('Welcome'));
    // The records of one loop turn (the handshake answer and OnConnected's Welcome) share one event.
    assert.match(text, /^:\r\ndata: \{\}\x1e\{"type":1,"target":"Welcome","arguments":\["[^"]+"\]\}\x1e\r\n\r\n$/);
    ac.abort();
  });

  it('long polling: first poll 200 empty, held polls, 204 when superseded, DELETE 202, then 404', async () => {
    const { connectionToken: token } = await negotiate(server);
    const url = server.hubUrl + `?id=${token}`;
    const first = await fetch(url);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('content-length'), '0');
    assert.equal(await first.text(), '');
    assert.equal((await fetch(url, { method: 'POST', body: '{"protocol":"json","version":1}\x1e' })).status, 200);
    const data = await fetch(url);
    assert.equal(data.status, 200);
    assert.equal(data.headers.get('content-type'), 'application/octet-stream');
    const body = await data.text();
    assert.ok(body.startsWith('{}\x1e'), JSON.stringify(body));
    // A held poll, superseded by a second one.
    const held = fetch(url);
    await sleep(300);
    const next = fetch(url);
    assert.equal((await held).status, 204);
    assert.equal((await fetch(url, { method: 'POST', body: '{"type":1,"invocationId":"1","target":"Add","arguments":[1,2]}\x1e' })).status, 200);
    const answered = await next;
    assert.equal(answered.status, 200);
    assert.match(await answered.text(), /"result":3/);
    const del = await fetch(url, { method: 'DELETE' });
    assert.equal(del.status, 202);
    await waitUntil(async () => (await fetch(url)).status !== 200, 3_000, 'poll after DELETE');
    await sleep(1_500);
    assert.equal((await fetch(url)).status, 404);
  });

  it('long polling: a client that stops polling is closed after the client timeout', async () => {
    const { connectionToken: token } = await negotiate(server);
    const url = server.hubUrl + `?id=${token}`;
    assert.equal((await fetch(url)).status, 200);
    assert.equal((await fetch(url, { method: 'POST', body: '{"protocol":"json","version":1}\x1e' })).status, 200);
    const labels = { hub: '/hubs/test', transport: 'longpolling', protocol: 'json' };
    await waitUntil(async () => (await server.metric('tallyhub_signalr_connections_by_protocol', labels)) === 1, 3_000, 'open');
    await waitUntil(async () => (await server.metric('tallyhub_signalr_connections_by_protocol', labels)) === 0, 6_000, 'closed');
  });

  it('errors: no id 400, unknown id 404, DELETE on SSE 400', async () => {
    assert.equal((await fetch(server.hubUrl)).status, 400);
    assert.equal((await fetch(server.hubUrl + '?id=nope')).status, 404);
    assert.equal((await fetch(server.hubUrl + '?id=nope', { method: 'POST', body: 'x' })).status, 404);
    assert.equal((await fetch(server.hubUrl + '?id=nope', { method: 'DELETE' })).status, 404);
    const { connectionToken: token } = await negotiate(server);
    const ac = new AbortController();
    const sse = await fetch(server.hubUrl + `?id=${token}`, { headers: { Accept: 'text/event-stream' }, signal: ac.signal });
    assert.equal(sse.status, 200);
    assert.equal((await fetch(server.hubUrl + `?id=${token}`, { method: 'DELETE' })).status, 400);
    assert.equal((await fetch(server.hubUrl + `?id=${token}`)).status, 400, 'a poll on an SSE connection');
    ac.abort();
  });
});
