// 9. The 32 KiB incoming message limit (--max-message-size default 32768).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { connect, stopAll, withTimeout, messageOf, signalR } from './lib/hub.mjs';

describe('max message size (default 32 KiB)', () => {
  let server;
  const open = [];
  before(async () => { server = await startServer({ cores: 2 }); });
  after(async () => { await stopAll(open); await server?.close(); });

  it('echoes a 30 KiB string', async () => {
    const { connection } = await connect(server.hubUrl);
    open.push(connection);
    const text = 'x'.repeat(30 * 1024);
    assert.equal(await connection.invoke('Echo', text), text);
    // Outgoing messages have no limit: the server may send more than it accepts.
    const many = 'é'.repeat(15 * 1024);   // 30 KiB of UTF-8
    assert.equal(await connection.invoke('Echo', many), many);
  });

  it('closes the connection with an error naming the size for a 40 KiB message', async () => {
    const { connection, rec } = await connect(server.hubUrl, { logLevel: signalR.LogLevel.None });
    open.push(connection);
    const call = connection.invoke('Echo', 'y'.repeat(40 * 1024));
    await assert.rejects(withTimeout(call, 5_000, 'the 40 KiB Echo'));
    await rec.until((r) => r.closed, 5_000, 'onclose after the 40 KiB message');
    const error = rec.closed.error;
    assert.ok(error instanceof Error, `onclose carries an error (got ${error})`);
    assert.match(messageOf(error), /size|too (big|large)|exceed|32768|32 ?KiB|1009/i,
      'the close error says the message was too big');
    assert.equal(connection.state, signalR.HubConnectionState.Disconnected);
  });

  it('still serves other connections after one was closed for size', async () => {
    const { connection } = await connect(server.hubUrl);
    open.push(connection);
    assert.equal(await connection.invoke('Echo', 'fine'), 'fine');
  });
});
