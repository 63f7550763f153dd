// 2. Invocations: results, errors, void methods, fire-and-forget, unknown methods, bad arguments.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { connect, stopAll, sleep, signalR } from './lib/hub.mjs';

describe('invoke (official client)', () => {
  let server, connection, rec;
  before(async () => {
    server = await startServer({ cores: 2 });
    ({ connection, rec } = await connect(server.hubUrl));
  });
  after(async () => { await stopAll([connection]); await server?.close(); });

  it('returns results: Echo, Add, and a case-insensitive method name', async () => {
    assert.equal(await connection.invoke('Echo', 'hello'), 'hello');
    assert.equal(await connection.invoke('Echo', 'héllo ✓ 😀 "quoted" \\ \n'), 'héllo ✓ 😀 "quoted" \\ \n');
    assert.equal(await connection.invoke('Echo', ''), '');
    assert.equal(await connection.invoke('Add', 2, 3), 5);
    assert.equal(await connection.invoke('Add', -7, 100000), 99993);
    assert.equal(await connection.invoke('echo', 'lower'), 'lower');
    assert.equal(await connection.invoke('ADD', 1, 1), 2);
  });

  it('answers concurrent invocations each with its own result', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => connection.invoke('Add', i, 1000)));
    assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => i + 1000));
  });

  it('rejects with the exact hub error when a method fails', async () => {
    await assert.rejects(connection.invoke('Fail', 'boom'), {
      message: "An unexpected error occurred invoking 'Fail' on the server. HubException: boom",
    });
    assert.equal(connection.state, signalR.HubConnectionState.Connected);
  });

  it('resolves a void method with null', async () => {
    assert.equal(await connection.invoke('Nothing'), null);
  });

  it('delivers a fire-and-forget send without any reply', async () => {
    const before = rec.calls.Broadcast.length;
    await connection.send('Broadcast', 'fire-and-forget');
    const calls = await rec.received('Broadcast', before + 1, 5_000);
    assert.deepEqual(calls[before], ['fire-and-forget']);
    // A send of an unknown method gets no error reply either, and the connection stays usable.
    await connection.send('NoSuchMethodAtAll', 1);
    await sleep(100);
    assert.equal(connection.state, signalR.HubConnectionState.Connected);
    assert.equal(await connection.invoke('Echo', 'after send'), 'after send');
    assert.equal(rec.closed, null, 'no onclose');
  });

  it('rejects an unknown method with the exact message and keeps the connection', async () => {
    await assert.rejects(connection.invoke('NoSuchMethod', 1, 'x'), {
      message: "Failed to invoke 'NoSuchMethod' due to an error on the server. HubException: Method does not exist.",
    });
    assert.equal(await connection.invoke('Echo', 'still here'), 'still here');
  });

  it('rejects wrong argument types and counts with "Failed to invoke" and keeps the connection', async () => {
    const prefix = "Failed to invoke 'Add' due to an error on the server.";
    for (const args of [['one', 2], [1], [1, 2, 3], [{ a: 1 }, 2]]) {
      await assert.rejects(connection.invoke('Add', ...args), (err) => {
        assert.ok(err.message.startsWith(prefix), `Add(${JSON.stringify(args).slice(1, -1)}) → ${JSON.stringify(err.message)}`);
        return true;
      });
    }
    await assert.rejects(connection.invoke('Echo', 42), (err) => {
      assert.ok(err.message.startsWith("Failed to invoke 'Echo' due to an error on the server."), err.message);
      return true;
    });
    assert.equal(await connection.invoke('Add', 20, 22), 42);
    assert.equal(rec.closed, null, 'no onclose');
  });
});
