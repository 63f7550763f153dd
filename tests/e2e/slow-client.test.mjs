// Slow dashboards against the real server (issue 4 "slow clients", DESIGN §6): a MetricsHub client
// that stops reading gets conflated KPI frames (the newest state, not a growing queue) and stays
// connected; an SSE client gets a comment heartbeat while no data is due. The server's socket send
// buffer is shrunk with --tcp-send-buffer so a paused reader fills it in about a second.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer } from './lib/server.mjs';
import { waitUntil, sleep, connect, stopAll } from './lib/hub.mjs';
import { signalrPeer, OP, RS } from './lib/rawws.mjs';

const hub = '/hubs/metrics';

function records(frames) {
  return frames.filter((f) => f.opcode === OP.text)
    .flatMap((f) => f.payload.toString('utf8').split(RS).filter((r) => r.length > 0).map((r) => JSON.parse(r)));
}

describe('a MetricsHub client that stops reading (--tcp-send-buffer 4KiB, --broadcast-interval 10ms)', () => {
  let server;
  before(async () => {
    server = await startServer({ cores: 1, testHub: false,
      args: ['--demo-rate', '5000', '--broadcast-interval', '10ms', '--tick', '10ms', '--window', '60s',
        '--tcp-send-buffer', '4KiB', '--output-soft-limit', '4KiB', '--output-hard-limit', '64KiB',
        '--slow-client-grace', '1s'] });
  });
  after(async () => { await server?.close(); });

  it('gets the newest KPI state instead of a backlog, and stays connected', async () => {
    const peer = await signalrPeer(server.httpPort, hub);
    assert.equal(await server.metric('tallyhub_signalr_conflated_frames_total', { hub }), 0);
    peer.socket.pause();                                   // stop reading: the kernel buffers fill
    await waitUntil(async () => (await server.metric('tallyhub_signalr_conflated_frames_total', { hub })) > 10,
      20_000, 'KPI frames conflated for the paused client', 100);
    // Well past the grace period: conflation keeps the queue small, so the client is not closed.
    await sleep(1500);
    assert.equal(await server.metric('tallyhub_signalr_slow_client_closes_total', { hub }), 0);

    const before = peer.allFrames.length;
    peer.socket.resume();
    // The backlog drains, then updates arrive live again; the last update is current.
    await waitUntil(() => records(peer.allFrames.slice(before)).some((r) => r.target === 'ReceiveMetricsUpdate'),
      5_000, 'updates after resuming');
    await sleep(300);
    const updates = records(peer.allFrames).filter((r) => r.target === 'ReceiveMetricsUpdate').map((r) => r.arguments[0]);
    for (let i = 1; i < updates.length; ++i) {
      assert.ok(updates[i].TotalOrders >= updates[i - 1].TotalOrders, `update ${i} went back in time`);
    }
    const conflated = await server.metric('tallyhub_signalr_conflated_frames_total', { hub });
    assert.ok(conflated > 10, `conflated ${conflated}`);
    peer.sendText(`{"type":1,"invocationId":"1","target":"GetCurrentMetrics","arguments":[]}${RS}`);
    await waitUntil(() => records(peer.allFrames).some((r) => r.type === 3 && r.invocationId === '1'),
      5_000, 'GetCurrentMetrics answered after the slow period');
    const done = records(peer.allFrames).find((r) => r.type === 3 && r.invocationId === '1');
    assert.equal(typeof done.result.TotalOrders, 'number');
    assert.ok(done.result.TotalOrders >= updates.at(-1).TotalOrders);
    assert.equal(records(peer.allFrames).filter((r) => r.type === 7).length, 0, 'no Close message');
    peer.destroy();
  });
});

describe('/sse/metrics heartbeat (--sse-heartbeat 200ms, --broadcast-interval 10s)', () => {
  let server;
  before(async () => {
    server = await startServer({ cores: 2, testHub: false,
      args: ['--sse-heartbeat', '200ms', '--broadcast-interval', '10s'] });
  });
  after(async () => { await server?.close(); });

  it('sends the current metrics at once, then comment heartbeats while no update is due', async () => {
    const text = await new Promise((resolve, reject) => {
      const req = http.get(server.url('/sse/metrics'), (res) => {
        assert.equal(res.statusCode, 200);
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => { body += chunk; });
        setTimeout(() => { req.destroy(); resolve(body); }, 1100);
      });
      req.on('error', (e) => { if (e.code !== 'ECONNRESET') reject(e); });
    });
    const events = text.split('\n\n').filter((e) => e.length > 0);
    assert.ok(events[0].startsWith('data: {'), `first event is data: ${JSON.stringify(events[0])}`);
    assert.equal(typeof JSON.parse(events[0].slice(6)).TotalOrders, 'number');
    const beats = events.filter((e) => e === ': heartbeat');
    assert.ok(beats.length >= 3 && beats.length <= 7, `heartbeats in 1.1 s at 200 ms: ${beats.length}`);
    assert.equal(events.length, beats.length + 1, `only heartbeats after the first event: ${JSON.stringify(events)}`);
  });

  it('gives a new MetricsHub connection the window state with its current metrics, before any change', async () => {
    const got = { current: [], window: [] };
    const { connection } = await connect(server.url('/hubs/metrics'), {
      configure: (c) => {
        c.on('ReceiveCurrentMetrics', (m) => { got.current.push(m); });
        c.on('ReceiveSlidingWindowUpdate', (w) => { got.window.push(w); });
      },
    });
    try {
      await waitUntil(() => got.window.length > 0, 2_000, 'ReceiveSlidingWindowUpdate on connect');
      await sleep(200);
      assert.equal(got.current.length, 1);
      assert.equal(got.window.length, 1, 'once, not a broadcast (nothing changes on this server)');
      const w = got.window[0];
      assert.deepEqual(Object.keys(w).sort(), ['AverageOrderValue', 'OrderCount', 'TotalRevenue', 'WindowEnd', 'WindowStart']);
      assert.equal(w.OrderCount, 0);
      // The default 5-minute window: whole seconds counted, the current one included.
      const span = new Date(w.WindowEnd) - new Date(w.WindowStart);
      assert.ok(span > 299_000 && span <= 300_000, `window span ${span} ms`);
    } finally {
      await stopAll([connection]);
    }
  });
});
