// 5. Groups and targeted sends across reactor cores (server --cores 2).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { connect, stopAll, sleep } from './lib/hub.mjs';

// How long to wait before concluding that a message will not arrive. Each negative check is made
// after a positive one sent later on the same path has arrived, so this is only a safety margin.
const graceMs = 300;

describe('groups and targeted sends across cores', () => {
  let server;
  let a, b, c;          // a and b on different cores; c is anyone else
  const open = [];

  before(async () => {
    server = await startServer({ cores: 2 });
    // Connections are spread over the cores by the kernel (SO_REUSEPORT) or by the server; keep
    // opening until two report different cores.
    const byCore = new Map();
    for (let tries = 0; tries < 40 && byCore.size < 2; ++tries) {
      const conn = await connect(server.hubUrl);
      open.push(conn.connection);
      const core = await conn.connection.invoke('GetCore');
      assert.equal(typeof core, 'number', 'GetCore returns a number');
      conn.core = core;
      conn.id = await conn.connection.invoke('GetConnectionId');
      if (!byCore.has(core)) byCore.set(core, conn);
    }
    if (byCore.size < 2) {
      throw new Error(`40 connections all reported the same core (${[...byCore.keys()]}) with --cores 2: ` +
        'connections are not spread over reactor cores, so nothing here can test cross-core delivery');
    }
    [a, b] = [...byCore.values()];
    // Only a, b and a fresh third connection stay open, so that "everyone" is exactly these three.
    await stopAll(open.filter((x) => x !== a.connection && x !== b.connection));
    open.length = 0;
    open.push(a.connection, b.connection);
    c = await connect(server.hubUrl);
    open.push(c.connection);
    c.id = await c.connection.invoke('GetConnectionId');
    c.core = await c.connection.invoke('GetCore');
  });
  after(async () => { await stopAll(open); await server?.close(); });

  it('put a and b on different cores', () => {
    assert.notEqual(a.core, b.core);
    assert.notEqual(a.id, b.id);
  });

  it('SendToGroup reaches both members on both cores and not the non-member', async () => {
    await a.connection.invoke('JoinGroup', 'g');
    await b.connection.invoke('JoinGroup', 'g');
    await c.connection.invoke('SendToGroup', 'g', 'm1');
    await a.rec.received('GroupMessage', 1, 5_000, 'a receiving m1');
    await b.rec.received('GroupMessage', 1, 5_000, 'b receiving m1');
    assert.deepEqual(a.rec.calls.GroupMessage, [['g', 'm1']]);
    assert.deepEqual(b.rec.calls.GroupMessage, [['g', 'm1']]);
    await sleep(graceMs);
    assert.deepEqual(c.rec.calls.GroupMessage, [], 'the non-member received nothing');
  });

  it('a member on the other core sends to the group, itself included', async () => {
    await b.connection.invoke('SendToGroup', 'g', 'm2');
    await a.rec.received('GroupMessage', 2, 5_000, 'a receiving m2');
    await b.rec.received('GroupMessage', 2, 5_000, 'b receiving m2');
    assert.deepEqual(a.rec.calls.GroupMessage[1], ['g', 'm2']);
    assert.deepEqual(b.rec.calls.GroupMessage[1], ['g', 'm2']);
  });

  it('a group of another name is separate', async () => {
    await c.connection.invoke('SendToGroup', 'G', 'other-case');
    await c.connection.invoke('SendToGroup', 'h', 'other-group');
    await sleep(graceMs);
    assert.equal(a.rec.calls.GroupMessage.length, 2, 'a got nothing for groups G and h');
    assert.equal(b.rec.calls.GroupMessage.length, 2, 'b got nothing for groups G and h');
  });

  it('LeaveGroup stops delivery to the member that left', async () => {
    await b.connection.invoke('LeaveGroup', 'g');
    await c.connection.invoke('SendToGroup', 'g', 'm3');
    await a.rec.received('GroupMessage', 3, 5_000, 'a receiving m3');
    assert.deepEqual(a.rec.calls.GroupMessage[2], ['g', 'm3']);
    await sleep(graceMs);
    assert.equal(b.rec.calls.GroupMessage.length, 2, `b left the group but received ${JSON.stringify(b.rec.calls.GroupMessage)}`);
    assert.equal(c.rec.calls.GroupMessage.length, 0);
  });

  it('SendToConnection reaches exactly the named connection across cores', async () => {
    await a.connection.invoke('SendToConnection', b.id, 'to-b');
    await b.rec.received('Message', 1, 5_000, 'b receiving to-b');
    assert.deepEqual(b.rec.calls.Message, [['to-b']]);
    await b.connection.invoke('SendToConnection', a.id, 'to-a');
    await a.rec.received('Message', 1, 5_000, 'a receiving to-a');
    assert.deepEqual(a.rec.calls.Message, [['to-a']]);
    await sleep(graceMs);
    assert.deepEqual(c.rec.calls.Message, [], 'c received nothing');
    assert.equal(a.rec.calls.Message.length, 1);
    assert.equal(b.rec.calls.Message.length, 1);
  });

  it('SendToOthers reaches everyone but the caller', async () => {
    await a.connection.invoke('SendToOthers', 'others');
    await b.rec.received('Message', 2, 5_000, 'b receiving others');
    await c.rec.received('Message', 1, 5_000, 'c receiving others');
    assert.deepEqual(b.rec.calls.Message[1], ['others']);
    assert.deepEqual(c.rec.calls.Message[0], ['others']);
    await sleep(graceMs);
    assert.equal(a.rec.calls.Message.length, 1, `the caller received ${JSON.stringify(a.rec.calls.Message)}`);
  });

  it('SendToCaller reaches only the caller', async () => {
    await b.connection.invoke('SendToCaller', 'me');
    await b.rec.received('Message', 3, 5_000, 'b receiving me');
    assert.deepEqual(b.rec.calls.Message[2], ['me']);
    await sleep(graceMs);
    assert.equal(a.rec.calls.Message.length, 1);
    assert.equal(c.rec.calls.Message.length, 1);
  });

  it('Broadcast reaches all three connections on both cores', async () => {
    await c.connection.invoke('Broadcast', 'all');
    for (const [name, x] of [['a', a], ['b', b], ['c', c]]) {
      const calls = await x.rec.received('Broadcast', 1, 5_000, `${name} receiving the broadcast`);
      assert.deepEqual(calls, [['all']]);
    }
  });

  it('a closed connection leaves its groups', async () => {
    const d = await connect(server.hubUrl);
    await d.connection.invoke('JoinGroup', 'g');
    await d.connection.stop();
    await c.connection.invoke('SendToGroup', 'g', 'after-d-left');
    await a.rec.received('GroupMessage', 4, 5_000, 'a receiving after-d-left');
    assert.deepEqual(a.rec.calls.GroupMessage[3], ['g', 'after-d-left']);
    // A send to a connection that is gone is not an error for the caller.
    await c.connection.invoke('SendToConnection', 'no-such-connection-id', 'x');
  });
});
