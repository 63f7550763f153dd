// Stateful reconnect (reference/signalr-protocol.md §7): the official client with
// withStatefulReconnect() keeps its connection across a server-side WebSocket drop; the server
// replays what the client had not acknowledged, and nothing is lost or delivered twice.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { Recorder, stopAll, withTimeout, signalR } from './lib/hub.mjs';

function build(url) {
  return new signalR.HubConnectionBuilder()
    .withUrl(url, { transport: signalR.HttpTransportType.WebSockets })
    .withStatefulReconnect()
    .withAutomaticReconnect([0, 500, 1000])
    .configureLogging(signalR.LogLevel.None)
    .build();
}

describe('stateful reconnect', () => {
  const open = [];
  let server;
  after(async () => {
    await stopAll(open);
    if (server) await server.close();
  });

  it('negotiate offers it when asked', { timeout: 20_000 }, async () => {
    server ??= await startServer({ cores: 1 });
    const res = await fetch(`${server.hubUrl}/negotiate?negotiateVersion=1&useStatefulReconnect=true`, { method: 'POST' });
    const body = await res.json();
    assert.equal(body.useStatefulReconnect, true);
    const plain = await (await fetch(`${server.hubUrl}/negotiate?negotiateVersion=1`, { method: 'POST' })).json();
    assert.equal(plain.useStatefulReconnect, undefined);
  });

  it('1,000 messages in flight across a server-side drop: each exactly once, in order, same connection',
    { timeout: 60_000 }, async () => {
      server ??= await startServer({ cores: 1 });
      const connection = build(server.hubUrl);
      open.push(connection);
      const rec = new Recorder(connection);
      await withTimeout(connection.start(), 10_000, 'start');
      const id = connection.connectionId;
      await rec.received('Welcome', 1, 5_000);
      assert.equal(await connection.invoke('GetConnectionId'), id);

      // The messages are queued on the socket in one turn, then the socket is cut under them.
      const sent = connection.invoke('SendSequence', 1000);
      await connection.send('DropTransport');
      assert.equal(await withTimeout(sent, 20_000, 'SendSequence'), 1000);
      await rec.received('Seq', 1000, 20_000);
      assert.equal(await connection.invoke('Echo', 'after'), 'after');
      assert.deepEqual(rec.calls.Seq.map((a) => a[0]), Array.from({ length: 1000 }, (_, i) => i));
      assert.equal(await connection.invoke('GetConnectionId'), id, 'the hub connection is the same one');
      assert.equal(connection.connectionId, id);
      assert.equal(rec.reconnecting.length, 0, 'no onreconnecting: the stateful reconnect is invisible');
      assert.equal(rec.reconnected.length, 0);
      assert.equal(rec.closed, null);
      assert.equal(rec.calls.Welcome.length, 1, 'OnConnected ran once');

      // A second drop, after the first replay, works the same way.
      const again = connection.invoke('SendSequence', 1000);
      await connection.send('DropTransport');
      await withTimeout(again, 20_000, 'second SendSequence');
      await rec.received('Seq', 2000, 20_000);
      assert.deepEqual(rec.calls.Seq.slice(1000).map((a) => a[0]), Array.from({ length: 1000 }, (_, i) => i));
      assert.equal(await connection.invoke('GetConnectionId'), id);
    });
});
