// The same client traffic on each I/O backend, chosen explicitly (the rest of the suite uses the
// server's default, auto, or TALLYHUB_IO_BACKEND when set).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { connect, stopAll, withTimeout, deferred } from './lib/hub.mjs';
import { signalrPeer, OP } from './lib/rawws.mjs';

for (const ioBackend of ['uring', 'epoll']) {
  describe(`--io-backend ${ioBackend}`, () => {
    let server;
    const open = [];
    before(async () => { server = await startServer({ cores: 2, ioBackend }); });
    after(async () => { await stopAll(open); await server?.close(); });

    it('serves invocations, broadcasts and streams to official clients', async () => {
      const clients = await Promise.all([1, 2, 3, 4].map(() => connect(server.hubUrl)));
      open.push(...clients.map((c) => c.connection));
      assert.equal(await clients[0].connection.invoke('Echo', ioBackend), ioBackend);
      assert.equal(await clients[1].connection.invoke('Add', 40, 2), 42);
      await clients[2].connection.invoke('Broadcast', `hello ${ioBackend}`);
      for (const c of clients) assert.deepEqual(await c.rec.received('Broadcast', 1, 5_000), [[`hello ${ioBackend}`]]);
      const items = [];
      const done = deferred();
      clients[3].connection.stream('Counter', 20, 1).subscribe({ next: (i) => items.push(i), complete: done.resolve, error: done.reject });
      await withTimeout(done.promise, 5_000, 'Counter(20, 1)');
      assert.deepEqual(items, Array.from({ length: 20 }, (_, i) => i));
    });

    it('answers a WebSocket ping', async () => {
      const peer = await signalrPeer(server.httpPort);
      try {
        peer.send({ opcode: OP.ping, payload: ioBackend });
        let f;
        do f = await peer.nextFrame(5_000, 'the pong'); while (f.opcode !== OP.pong);
        assert.equal(f.payload.toString(), ioBackend);
      } finally {
        peer.destroy();
      }
    });
  });
}
