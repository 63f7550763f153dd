// 10. Fan-out: 500 official clients each receive all 100 broadcasts of a sequence, in order.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { connect, stopAll, waitUntil, withTimeout, sleep } from './lib/hub.mjs';

const clientCount = 500;
const sequenceLength = 100;
const connectBatch = 50;

describe(`fan-out to ${clientCount} clients (--cores 2)`, { timeout: 170_000 }, () => {
  let server;
  const clients = [];
  before(async () => { server = await startServer({ cores: 2 }); });
  after(async () => {
    await stopAll(clients.map((c) => c.connection));
    await server?.close();
  });

  it(`every client receives Seq 0..${sequenceLength - 1} once each, in order`, { timeout: 150_000 }, async (t) => {
    const connectStarted = Date.now();
    await withTimeout((async () => {
      while (clients.length < clientCount) {
        const n = Math.min(connectBatch, clientCount - clients.length);
        clients.push(...await Promise.all(Array.from({ length: n }, () => connect(server.hubUrl))));
      }
    })(), 60_000, `connecting ${clientCount} clients`);
    const connectMs = Date.now() - connectStarted;

    const expected = Array.from({ length: sequenceLength }, (_, i) => i);
    const started = Date.now();
    const result = await withTimeout(clients[0].connection.invoke('BroadcastSequence', sequenceLength), 60_000,
      'BroadcastSequence result');
    assert.equal(result, sequenceLength);

    const complete = () => clients.every((c) => c.rec.calls.Seq.length >= sequenceLength);
    try {
      await waitUntil(complete, Math.max(1_000, 60_000 - (Date.now() - started)), 'every client receiving the whole sequence', 50);
    } catch (err) {
      const short = clients.filter((c) => c.rec.calls.Seq.length < sequenceLength);
      const counts = short.slice(0, 10).map((c) => c.rec.calls.Seq.length);
      throw new Error(`${err.message}: ${short.length} of ${clientCount} clients incomplete; first counts ${JSON.stringify(counts)}` +
        `; closed: ${clients.filter((c) => c.rec.closed).length}`);
    }
    const deliveryMs = Date.now() - started;
    await sleep(200);   // late duplicates would land here

    let bad = 0;
    let firstBad = '';
    for (const [i, c] of clients.entries()) {
      const got = c.rec.calls.Seq.map((args) => args[0]);
      if (got.length !== expected.length || got.some((v, k) => v !== expected[k])) {
        if (!bad++) firstBad = `client ${i}: ${JSON.stringify(got)}`;
      }
    }
    assert.equal(bad, 0, `${bad} clients got a lost, duplicated or reordered sequence; first: ${firstBad}`);
    assert.equal(clients.filter((c) => c.rec.closed).length, 0, 'no client was disconnected');
    t.diagnostic(`fan-out: connected ${clientCount} clients in ${connectMs} ms; ` +
      `${clientCount * sequenceLength} messages delivered in ${deliveryMs} ms`);
  });

  it('the clients are still connected and served afterwards', async () => {
    const sample = [clients[1], clients[Math.floor(clientCount / 2)], clients[clientCount - 1]];
    const echoes = await Promise.all(sample.map((c, i) => c.connection.invoke('Echo', `after-${i}`)));
    assert.deepEqual(echoes, ['after-0', 'after-1', 'after-2']);
  });
});
