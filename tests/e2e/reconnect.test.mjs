// 8. withAutomaticReconnect across a server restart on the same port.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { connect, stopAll, sleep, messageOf, signalR } from './lib/hub.mjs';
import { signalrPeer, OP, RS } from './lib/rawws.mjs';

/** Starts a server on a fixed port, retrying briefly while the old one's socket lingers. */
async function startOnPort(port) {
  let lastError;
  for (let attempt = 0; attempt < 20; ++attempt) {
    try {
      return await startServer({ cores: 2, http: `127.0.0.1:${port}` });
    } catch (err) {
      lastError = err;
      await sleep(250);
    }
  }
  throw lastError;
}

describe('automatic reconnect across a server restart', () => {
  const servers = [];
  const open = [];
  after(async () => {
    await stopAll(open);
    const closed = await Promise.allSettled(servers.map((s) => s.close()));
    const failed = closed.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  });

  it('SIGTERM drains with exit 0; the client reconnects to the restarted server and works', { timeout: 60_000 }, async () => {
    const first = await startServer({ cores: 2 });
    servers.push(first);
    const port = first.httpPort;

    const { connection, rec } = await connect(first.hubUrl, {
      reconnectDelays: [0, 500, 1000, 1000, 1000, 2000, 2000, 5000],
      logLevel: signalR.LogLevel.None,   // failed attempts while the server is down are expected
    });
    open.push(connection);
    const firstId = connection.connectionId;
    await rec.received('Welcome', 1, 5_000);
    assert.equal(await connection.invoke('Echo', 'before'), 'before');
    // A raw peer beside it shows what the drain sends on the wire.
    const peer = await signalrPeer(port);
    peer.sendText(`{"type":6}${RS}`);

    const stoppedAt = Date.now();
    assert.equal(first.signal('SIGTERM'), true);
    await rec.until((r) => r.reconnecting.length >= 1, 10_000, 'onreconnecting after SIGTERM');
    assert.equal(connection.state, signalR.HubConnectionState.Reconnecting);
    assert.equal(rec.closed, null, 'onclose must not fire: the server allowed reconnect');
    const code = await first.waitExit(15_000);
    assert.equal(code, 0, `exit code after SIGTERM\n${first.output()}`);
    const drainMs = Date.now() - stoppedAt;
    await peer.tcpClosed(1_000);
    const records = peer.allFrames.filter((f) => f.opcode === OP.text)
      .flatMap((f) => f.payload.toString('utf8').split(RS).filter(Boolean)).map((r) => JSON.parse(r));
    const close = records.find((m) => m.type === 7);
    assert.ok(close, `the drain sent a SignalR Close: ${JSON.stringify(records)}`);
    assert.equal(close.allowReconnect, true, `Close allows reconnect: ${JSON.stringify(close)}`);
    peer.destroy();

    const second = await startOnPort(port);
    servers.push(second);
    await rec.until((r) => r.reconnected.length >= 1, 20_000,
      `onreconnected after restart (reconnecting errors: ${rec.reconnecting.map(messageOf).join(' | ')})`);
    assert.equal(connection.state, signalR.HubConnectionState.Connected);
    assert.equal(rec.closed, null, 'no onclose');
    assert.notEqual(connection.connectionId, firstId, 'a reconnect is a new connection with a new id');
    assert.equal(rec.reconnected[0], connection.connectionId, 'onreconnected passes the new id');
    assert.equal(await connection.invoke('Echo', 'after'), 'after');
    await rec.received('Welcome', 2, 5_000, 'Welcome on the new connection');
    assert.equal(rec.calls.Welcome[1][0], connection.connectionId);
    assert.ok(drainMs < 12_000, `drain took ${drainMs} ms`);
  });
});
