// Stateful reconnect (reference/signalr-protocol.md §7): the official client with
// withStatefulReconnect() keeps its connection across a server-side WebSocket drop; the server
// replays what the client had not acknowledged, and nothing is lost or delivered twice.
//
// The server runs with --cores 2. The kernel spreads the reconnecting sockets over the cores'
// SO_REUSEPORT listeners, so about half the reconnects land on the core that does not hold the
// connection; that core hands the socket over (docs/operations.md, "Cores and connections").
// Dozens of drops make it all but certain that both paths ran (of 90 reconnects, fewer than 10 or
// more than 80 handed over has odds of about 1e-15), and /metrics shows that the handoffs happened.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';
import { Recorder, stopAll, withTimeout, waitUntil, signalR } from './lib/hub.mjs';

function build(url, protocol = 'json') {
  const b = new signalR.HubConnectionBuilder()
    .withUrl(url, { transport: signalR.HttpTransportType.WebSockets });
  if (protocol === 'messagepack') b.withHubProtocol(new MessagePackHubProtocol());
  return b
    .withStatefulReconnect()
    .withAutomaticReconnect([0, 500, 1000])
    .configureLogging(signalR.LogLevel.None)
    .build();
}

const range = (n) => Array.from({ length: n }, (_, i) => i);

/** Starts a stateful connection to the test hub, with a Recorder, once Welcome arrived. */
async function open(server, list, protocol = 'json') {
  const connection = build(server.hubUrl, protocol);
  list.push(connection);
  const rec = new Recorder(connection);
  await withTimeout(connection.start(), 10_000, 'start');
  await rec.received('Welcome', 1, 5_000);
  return { connection, rec, id: connection.connectionId };
}

/** The client saw nothing of the reconnects: same connection, no reconnect events, OnConnected once. */
async function assertSameConnection({ connection, rec, id }) {
  assert.equal(await connection.invoke('GetConnectionId'), id, 'the hub connection is the same one');
  assert.equal(connection.connectionId, id);
  assert.equal(rec.reconnecting.length, 0, 'no onreconnecting: the stateful reconnect is invisible');
  assert.equal(rec.reconnected.length, 0);
  assert.equal(rec.closed, null);
  assert.equal(rec.calls.Welcome.length, 1, 'OnConnected ran once');
}

describe('stateful reconnect (--cores 2)', () => {
  const live = [];
  let server;
  const start = async () => { server ??= await startServer({ cores: 2 }); return server; };
  after(async () => {
    await stopAll(live);
    if (server) await server.close();
  });

  it('negotiate offers it when asked', { timeout: 20_000 }, async () => {
    await start();
    const res = await fetch(`${server.hubUrl}/negotiate?negotiateVersion=1&useStatefulReconnect=true`, { method: 'POST' });
    const body = await res.json();
    assert.equal(body.useStatefulReconnect, true);
    const plain = await (await fetch(`${server.hubUrl}/negotiate?negotiateVersion=1`, { method: 'POST' })).json();
    assert.equal(plain.useStatefulReconnect, undefined);
  });

  for (const protocol of ['json', 'messagepack']) {
  it(`1,000 messages in flight across a server-side drop: each exactly once, in order, same connection (${protocol})`,
    { timeout: 60_000 }, async () => {
      await start();
      const c = await open(server, live, protocol);
      assert.ok(await server.metric('tallyhub_signalr_connections_by_protocol',
        { hub: '/hubs/test', transport: 'websockets', protocol }) >= 1, `a ${protocol} connection`);
      assert.equal(await c.connection.invoke('GetConnectionId'), c.id);

      // The messages are queued on the socket in one turn, then the socket is cut under them.
      const sent = c.connection.invoke('SendSequence', 1000);
      await c.connection.send('DropTransport');
      assert.equal(await withTimeout(sent, 20_000, 'SendSequence'), 1000);
      await c.rec.received('Seq', 1000, 20_000);
      assert.equal(await c.connection.invoke('Echo', 'after'), 'after');
      assert.deepEqual(c.rec.calls.Seq.map((a) => a[0]), range(1000));
      await assertSameConnection(c);

      // A second drop, after the first replay, works the same way.
      const again = c.connection.invoke('SendSequence', 1000);
      await c.connection.send('DropTransport');
      await withTimeout(again, 20_000, 'second SendSequence');
      await c.rec.received('Seq', 2000, 20_000);
      assert.deepEqual(c.rec.calls.Seq.slice(1000).map((a) => a[0]), range(1000));
      await assertSameConnection(c);
    });
  }

  it('30 drops on each of 3 connections: every message exactly once and in order; reconnects on the other core are handed over',
    { timeout: 180_000 }, async () => {
      await start();
      const handoffsBefore = await server.metric('tallyhub_socket_handoffs_total');
      const resumesBefore = await server.metric('tallyhub_signalr_stateful_resumes_total', { hub: '/hubs/test' });
      const openBefore = await server.metric('tallyhub_connections_open');  // earlier tests' and this scrape
      const drops = 30;
      const batch = 200;
      const conns = await Promise.all(range(3).map(() => open(server, live)));
      const cores = await Promise.all(conns.map((c) => c.connection.invoke('GetCore')));

      // Each round: a batch in flight, the socket cut under it, the client back (on either core).
      const run = async (c, core) => {
        const base = c.rec.calls.Seq.length;
        for (let round = 0; round < drops; ++round) {
          const sent = c.connection.invoke('SendSequence', batch);
          await c.connection.send('DropTransport');
          assert.equal(await withTimeout(sent, 20_000, `SendSequence, round ${round}`), batch);
          await c.rec.received('Seq', base + (round + 1) * batch, 20_000, `round ${round}`);
          // Messages the client sends after the drop also arrive once (its own replay).
          assert.equal(await c.connection.invoke('Echo', `round ${round}`), `round ${round}`);
        }
        const got = c.rec.calls.Seq.slice(base).map((a) => a[0]);
        assert.equal(got.length, drops * batch, 'no duplicates');
        assert.deepEqual(got, range(drops).flatMap(() => range(batch)), 'every message once, in order');
        assert.equal(await c.connection.invoke('GetCore'), core, 'the connection stayed on its core');
        await assertSameConnection(c);
      };
      await Promise.all(conns.map((c, i) => run(c, cores[i])));

      const handoffs = (await server.metric('tallyhub_socket_handoffs_total')) - handoffsBefore;
      const resumes = (await server.metric('tallyhub_signalr_stateful_resumes_total', { hub: '/hubs/test' })) - resumesBefore;
      assert.equal(resumes, 3 * drops, 'every drop was resumed');
      // Each reconnect lands on the other core with probability about 1/2.
      assert.ok(handoffs >= 10 && handoffs <= 3 * drops - 10, `handoffs: ${handoffs} of ${3 * drops} reconnects`);
      assert.equal(await server.metric('tallyhub_socket_handoffs_adopted_total'), await server.metric('tallyhub_socket_handoffs_total'));
      assert.equal(await server.metric('tallyhub_socket_handoffs_failed_total'), 0);
      // Dropped sockets were closed when their connection parked: open are the 3 WebSockets in use
      // more than before, not also the 3 first sockets, dead since the first drop.
      await waitUntil(async () => (await server.metric('tallyhub_connections_open')) <= openBefore + 3, 5_000,
        'only the sockets in use to stay open');
    });
});
