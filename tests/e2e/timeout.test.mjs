// 7. The server drops peers that stop talking: --client-timeout and --handshake-timeout.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer } from './lib/server.mjs';
import { connect, stopAll, withTimeout, deferred, sleep, signalR } from './lib/hub.mjs';

const RS = '\x1e';

/** Opens a `ws` WebSocket and resolves once it is open; records messages and the close. */
async function openWs(url) {
  const ws = new WebSocket(url);
  const state = { ws, messages: [], closed: deferred(), closedAt: 0 };
  ws.on('message', (data) => state.messages.push(data.toString('utf8')));
  ws.on('close', (code, reason) => { state.closedAt = Date.now(); state.closed.resolve({ code, reason: reason.toString() }); });
  ws.on('error', () => {});
  await withTimeout(new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
    ws.once('error', reject);
  }), 5_000, `WebSocket open ${url}`);
  return state;
}

describe('server timeouts (--client-timeout 2s, --handshake-timeout 2s)', () => {
  let server;
  before(async () => { server = await startServer({ cores: 2, clientTimeout: '2s', handshakeTimeout: '2s' }); });
  after(async () => { await server?.close(); });

  it('closes an official client that stops pinging, within ~5 s', async () => {
    const started = Date.now();
    const { connection, rec } = await connect(server.hubUrl, {
      logLevel: signalR.LogLevel.None,   // the close error is expected and asserted below
      configure: (c) => {
        c.keepAliveIntervalInMilliseconds = 600_000;
        c.serverTimeoutInMilliseconds = 1_200_000;
      },
    });
    try {
      await rec.until((r) => r.closed, 5_000, 'onclose after the client fell silent');
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 1_500, `closed after ${elapsed} ms, before the 2 s client timeout`);
      assert.ok(rec.closed.error instanceof Error, `onclose carries an error (got ${rec.closed.error})`);
      assert.equal(connection.state, signalR.HubConnectionState.Disconnected);
    } finally {
      await stopAll([connection]);
    }
  });

  it('closes a raw WebSocket peer that handshakes and then stays silent', async () => {
    const peer = await openWs(server.wsUrl('/hubs/test'));
    const started = Date.now();
    peer.ws.send(`{"protocol":"json","version":1}${RS}`);
    const { code } = await withTimeout(peer.closed.promise, 5_000, 'server closing the silent peer');
    const elapsed = peer.closedAt - started;
    assert.ok(peer.messages.length >= 1 && peer.messages[0].startsWith(`{}${RS}`), `handshake answered: ${JSON.stringify(peer.messages)}`);
    assert.ok(elapsed >= 1_500, `closed after ${elapsed} ms, before the 2 s client timeout`);
    const records = peer.messages.join('').split(RS).filter(Boolean).map((r) => JSON.parse(r));
    const close = records.find((m) => m.type === 7);
    assert.ok(close, `a SignalR Close message came before the socket closed: ${JSON.stringify(records)}`);
    assert.equal(typeof close.error, 'string', 'the Close message carries an error');
    assert.ok(code !== 1006, `the server closed the WebSocket properly (code ${code})`);
  });

  it('keeps a raw peer that pings every 500 ms open past the timeout', async () => {
    const peer = await openWs(server.wsUrl('/hubs/test'));
    peer.ws.send(`{"protocol":"json","version":1}${RS}`);
    const timer = setInterval(() => peer.ws.send(`{"type":6}${RS}`), 500);
    try {
      await sleep(4_000);
      assert.equal(peer.closedAt, 0, 'still open after 4 s');
      assert.equal(peer.ws.readyState, WebSocket.OPEN);
    } finally {
      clearInterval(timer);
      peer.ws.terminate();
    }
  });

  it('closes a WebSocket that never sends the SignalR handshake', async () => {
    const peer = await openWs(server.wsUrl('/hubs/test'));
    const started = Date.now();
    await withTimeout(peer.closed.promise, 5_000, 'server closing the peer that sent no handshake');
    const elapsed = peer.closedAt - started;
    assert.ok(elapsed >= 1_500, `closed after ${elapsed} ms, before the 2 s handshake timeout`);
    assert.ok(!peer.messages.some((m) => m.startsWith(`{}${RS}`)), 'no handshake success was sent');
  });
});
