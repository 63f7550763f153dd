// 1. Connecting with the official client, with and without negotiate.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { connect, stopAll, signalR } from './lib/hub.mjs';

describe('connect (official client, WebSockets)', () => {
  let server;
  const open = [];
  before(async () => { server = await startServer({ cores: 2 }); });
  after(async () => { await stopAll(open); await server?.close(); });

  it('negotiates, connects, and Welcome carries the connection id', async () => {
    const { connection, rec } = await connect(server.hubUrl);
    open.push(connection);
    assert.equal(connection.state, signalR.HubConnectionState.Connected);
    assert.match(connection.connectionId ?? '', /^[A-Za-z0-9_-]{22}$/, 'negotiated connectionId is 22 base64url chars');
    const [[welcomeId]] = await rec.received('Welcome', 1, 5_000);
    assert.equal(welcomeId, connection.connectionId, 'Welcome(connectionId) names this connection');
    assert.equal(await connection.invoke('GetConnectionId'), connection.connectionId);
    assert.equal(rec.calls.Welcome.length, 1, 'exactly one Welcome');
  });

  it('connects with skipNegotiation and is a working connection', async () => {
    const { connection, rec } = await connect(server.hubUrl, { skipNegotiation: true });
    open.push(connection);
    assert.equal(connection.state, signalR.HubConnectionState.Connected);
    const [[welcomeId]] = await rec.received('Welcome', 1, 5_000);
    assert.equal(typeof welcomeId, 'string');
    assert.ok(welcomeId.length > 0, 'Welcome carries a non-empty id');
    assert.equal(await connection.invoke('GetConnectionId'), welcomeId, 'GetConnectionId matches Welcome');
    assert.equal(await connection.invoke('Echo', 'skip'), 'skip');
  });

  it('gives every connection its own id', async () => {
    const conns = await Promise.all([0, 1, 2, 3].map(() => connect(server.hubUrl)));
    open.push(...conns.map((c) => c.connection));
    const ids = await Promise.all(conns.map((c) => c.connection.invoke('GetConnectionId')));
    assert.equal(new Set(ids).size, ids.length, `ids are distinct: ${ids.join(', ')}`);
  });

  it('stop() closes cleanly: onclose without an error', async () => {
    const { connection, rec } = await connect(server.hubUrl);
    await connection.stop();
    assert.equal(connection.state, signalR.HubConnectionState.Disconnected);
    assert.ok(rec.closed, 'onclose fired');
    assert.equal(rec.closed.error, undefined, `no close error (got ${rec.closed.error})`);
  });
});
