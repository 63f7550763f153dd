// 3. Server-to-client streams (complete, cancel) and 4. client-to-server streams.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { connect, stopAll, sleep, withTimeout, waitUntil, deferred, signalR } from './lib/hub.mjs';

/** Subscribes to a stream and collects it: { items, done (promise of 'complete'), sub }. */
function collect(stream) {
  const items = [];
  const done = deferred();
  const sub = stream.subscribe({
    next: (item) => items.push(item),
    complete: () => done.resolve('complete'),
    error: (err) => done.reject(err),
  });
  return { items, done: done.promise, sub };
}

describe('server-to-client streams', () => {
  let server, connection;
  before(async () => {
    server = await startServer({ cores: 2 });
    ({ connection } = await connect(server.hubUrl));
  });
  after(async () => { await stopAll([connection]); await server?.close(); });

  it('Counter(5, 0) completes with exactly 0..4', async () => {
    const s = collect(connection.stream('Counter', 5, 0));
    await withTimeout(s.done, 5_000, 'Counter(5, 0) completion');
    assert.deepEqual(s.items, [0, 1, 2, 3, 4]);
    assert.equal(await connection.invoke('ActiveStreams'), 0);
  });

  it('Counter(0, 0) completes with no items', async () => {
    const s = collect(connection.stream('Counter', 0, 0));
    await withTimeout(s.done, 5_000, 'Counter(0, 0) completion');
    assert.deepEqual(s.items, []);
  });

  it('items arrive spaced by the delay, in order', async () => {
    const started = Date.now();
    const s = collect(connection.stream('Counter', 10, 30));
    await withTimeout(s.done, 5_000, 'Counter(10, 30) completion');
    assert.deepEqual(s.items, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(Date.now() - started >= 9 * 30 - 20, `took ${Date.now() - started} ms for 10 items 30 ms apart`);
  });

  it('disposing the subscription cancels the stream on the server', async () => {
    const s = collect(connection.stream('Counter', 1000, 20));
    await waitUntil(() => s.items.length >= 3, 5_000, 'three Counter items');
    assert.ok(await connection.invoke('ActiveStreams') >= 1, 'the stream is running before cancel');
    s.sub.dispose();
    const countAtDispose = s.items.length;

    const cancelledAt = Date.now();
    await waitUntil(async () => (await connection.invoke('ActiveStreams')) === 0, 1_000,
      'ActiveStreams() === 0 after dispose');
    const elapsed = Date.now() - cancelledAt;

    await sleep(200);   // ten more item periods
    assert.equal(s.items.length, countAtDispose, 'no items after dispose');
    assert.deepEqual(s.items, Array.from({ length: countAtDispose }, (_, i) => i));
    assert.ok(elapsed <= 1_000, `stream stopped ${elapsed} ms after dispose`);
    assert.equal(connection.state, signalR.HubConnectionState.Connected);
  });

  it('runs several streams at once on one connection, and invocations alongside', async () => {
    const a = collect(connection.stream('Counter', 20, 5));
    const b = collect(connection.stream('Counter', 10, 10));
    assert.equal(await connection.invoke('Echo', 'between'), 'between');
    await withTimeout(Promise.all([a.done, b.done]), 5_000, 'both streams completing');
    assert.deepEqual(a.items, Array.from({ length: 20 }, (_, i) => i));
    assert.deepEqual(b.items, Array.from({ length: 10 }, (_, i) => i));
  });

  it('ActiveStreams counts only this connection\'s streams', async () => {
    const other = await connect(server.hubUrl);
    try {
      const s = collect(other.connection.stream('Counter', 1000, 20));
      await waitUntil(() => s.items.length >= 1, 5_000, 'first item on the other connection');
      assert.equal(await other.connection.invoke('ActiveStreams'), 1);
      assert.equal(await connection.invoke('ActiveStreams'), 0);
      s.sub.dispose();
    } finally {
      await stopAll([other.connection]);
    }
  });
});

describe('client-to-server streams', () => {
  let server, connection;
  before(async () => {
    server = await startServer({ cores: 2 });
    ({ connection } = await connect(server.hubUrl));
  });
  after(async () => { await stopAll([connection]); await server?.close(); });

  it('Sum(1..100) over a Subject is 5050', async () => {
    const subject = new signalR.Subject();
    const result = connection.invoke('Sum', subject);
    for (let i = 1; i <= 100; ++i) subject.next(i);
    subject.complete();
    assert.equal(await withTimeout(result, 5_000, 'Sum result'), 5050);
  });

  it('Sum of items sent over time, with other calls in between', async () => {
    const subject = new signalR.Subject();
    const result = connection.invoke('Sum', subject);
    for (let i = 1; i <= 10; ++i) {
      subject.next(i * 10);
      if (i % 3 === 0) assert.equal(await connection.invoke('Add', i, 0), i);
      await sleep(5);
    }
    subject.complete();
    assert.equal(await withTimeout(result, 5_000, 'Sum result'), 550);
  });

  it('Sum of an empty stream is 0', async () => {
    const subject = new signalR.Subject();
    const result = connection.invoke('Sum', subject);
    subject.complete();
    assert.equal(await withTimeout(result, 5_000, 'Sum result'), 0);
  });
});
