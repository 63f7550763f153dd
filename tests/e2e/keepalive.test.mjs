// 6. Keep-alive: an idle connection outlives both sides' timeouts because both sides ping.
// Takes about 41 s; the other files run alongside it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { connect, stopAll, sleep, signalR } from './lib/hub.mjs';
import { signalrPeer, OP, RS } from './lib/rawws.mjs';

const idleMs = 40_000;

describe('keep-alive (default --keep-alive-interval 15s, --client-timeout 30s)', { timeout: 90_000 }, () => {
  let server;
  before(async () => { server = await startServer({ cores: 2 }); });
  after(async () => { await server?.close(); });

  // Both checks idle over the same 40 s.
  it('an idle official client stays connected for 40 s, and a raw peer sees server pings', { concurrency: true }, async (t) => {
    await Promise.all([t.test('official client idle for 40 s stays connected, then Echo works', async () => {
      const { connection, rec } = await connect(server.hubUrl);
      try {
        assert.equal(connection.serverTimeoutInMilliseconds, 30_000, 'client default serverTimeout');
        await sleep(idleMs);
        assert.equal(rec.closed, null, `onclose fired while idle: ${rec.closed?.error}`);
        assert.equal(connection.state, signalR.HubConnectionState.Connected);
        assert.equal(await connection.invoke('Echo', 'still alive'), 'still alive');
      } finally {
        await stopAll([connection]);
      }
    }),

    t.test('a raw peer that pings every 10 s receives a server Ping at least every ~15 s', async () => {
      const peer = await signalrPeer(server.httpPort);
      try {
        peer.sendText(`{"type":6}${RS}`);
        const pingsAt = [];
        const started = Date.now();
        const clientPing = setInterval(() => peer.sendText(`{"type":6}${RS}`), 10_000);
        try {
          for (;;) {
            const remaining = idleMs - (Date.now() - started);
            if (remaining <= 0) break;
            let f;
            try {
              f = await peer.nextFrame(remaining, 'server frames while idle');
            } catch (err) {
              if (!peer.ended && /timed out/.test(err.message)) break;   // quiet until the end: fine
              throw err;
            }
            if (f.opcode === OP.ping) { peer.send({ opcode: OP.pong, payload: f.payload }); continue; }
            if (f.opcode === OP.pong) continue;
            assert.equal(f.opcode, OP.text, `unexpected opcode ${f.opcode}`);
            for (const record of f.payload.toString('utf8').split(RS).filter(Boolean)) {
              const message = JSON.parse(record);
              assert.notEqual(message.type, 7, `server closed the idle peer: ${record}`);
              if (message.type === 6) pingsAt.push(Date.now() - started);
            }
          }
        } finally {
          clearInterval(clientPing);
        }
        assert.ok(pingsAt.length >= 2, `server pings in ${idleMs} ms at ${JSON.stringify(pingsAt)} ms`);
        const gaps = pingsAt.map((at, i) => at - (i ? pingsAt[i - 1] : 0));
        assert.ok(Math.max(...gaps) <= 17_000, `gaps between server pings ${JSON.stringify(gaps)} ms exceed 15 s + 2 s`);
        assert.equal(peer.ended, false, 'TCP still open');
      } finally {
        peer.destroy();
      }
    })]);
  });
});
