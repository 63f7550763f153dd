// tallyhub-load (bench/load/README.md), the bench suite's load client, against the real server: what
// it reports is what the server sent, its failures are named, and its exit status tells a clean run.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { startServer, tallyhubBin } from './lib/server.mjs';
import { freePort } from './lib/rabbitmq.mjs';
import { waitUntil } from './lib/hub.mjs';

const loadBin = path.join(path.dirname(tallyhubBin), 'tallyhub-load');

/** Runs tallyhub-load; resolves with { code, lines: { connected, report, ready }, stderr }. */
function runLoad(args, timeoutMs = 60_000) {
  return new Promise((resolve) => {
    execFile(loadBin, [...args, '--no-progress'], { timeout: timeoutMs }, (err, stdout, stderr) => {
      const lines = {};
      for (const line of stdout.split('\n')) {
        const m = /^(connected|report|ready) (.*)$/.exec(line);
        if (m) lines[m[1]] = m[1] === 'ready' ? Number(m[2]) : JSON.parse(m[2]);
      }
      resolve({ code: err ? err.code : 0, lines, stderr, stdout });
    });
  });
}

describe('tallyhub-load against tallyhub (/hubs/metrics, demo source, broadcast every 100 ms)', () => {
  let server;
  before(async () => {
    server = await startServer({ cores: 1, testHub: false, dataDir: 'off',
      args: ['--demo-rate', '2000', '--broadcast-interval', '100ms', '--tick', '100ms'] });
  });
  after(async () => { await server?.close(); });

  for (const protocol of ['json', 'messagepack']) {
    it(`counts the broadcasts of 200 connections (${protocol})`, async () => {
      const { code, lines, stderr } = await runLoad([server.url('/hubs/metrics'), '-n', '200', '--protocol', protocol,
        '--warmup', '500ms', '--duration', '2s']);
      assert.equal(code, 0, stderr);
      const r = lines.report;
      assert.equal(r.protocol, protocol);
      assert.deepEqual(lines.connected.failures, {});
      assert.equal(r.connect.established, 200);
      const m = r.measure;
      // Ten broadcasts a second to each connection; one frame each, several KPI records per frame.
      const expected = 200 * 10 * m.seconds;
      assert.ok(m.frames >= expected * 0.7 && m.frames <= expected * 1.1, `frames ${m.frames}, expected ~${expected}`);
      assert.ok(m.messages >= m.frames * 3, `messages ${m.messages} for ${m.frames} frames`);
      assert.equal(m.latency_ms.count, m.frames, 'every broadcast carries its tick Timestamp');
      assert.ok(m.latency_ms.p50 < 200, `p50 ${m.latency_ms.p50} ms`);
      assert.equal(m.closed_by_server, 0);
      assert.equal(m.protocol_errors, 0);
      assert.equal(await server.metric('tallyhub_signalr_connections', { hub: '/hubs/metrics' }), 0,
        'every connection was closed at the end');
    });
  }

  it('broadcasts on every tick when the interval equals the tick (10 ms)', async () => {
    const fast = await startServer({ cores: 1, testHub: false, dataDir: 'off',
      args: ['--demo-rate', '5000', '--broadcast-interval', '10ms', '--tick', '10ms'] });
    try {
      const { code, lines, stderr } = await runLoad([fast.url('/hubs/metrics'), '-n', '20', '--warmup', '300ms',
        '--duration', '2s']);
      assert.equal(code, 0, stderr);
      const m = lines.report.measure;
      // 100 broadcasts a second to each connection; a strict throttle gave every other tick (50).
      const perConnection = m.frames / 20 / m.seconds;
      assert.ok(perConnection >= 80 && perConnection <= 105, `${perConnection.toFixed(1)} broadcasts/s per connection`);
    } finally {
      await fast.close();
    }
  });

  it('names the failures when the server refuses connections (--max-connections)', async () => {
    const small = await startServer({ cores: 1, testHub: false, dataDir: 'off', args: ['--max-connections', '20'] });
    try {
      const { code, lines } = await runLoad([small.url('/hubs/metrics'), '-n', '40', '--duration', '0s',
        '--setup-timeout', '3s']);
      assert.equal(code, 1);
      assert.equal(lines.report.connect.established, 20);
      assert.equal(lines.report.connect.failed, 20);
      assert.ok(Object.keys(lines.report.connect.failures).length > 0);
      // The upgraded sockets give their places back when they close: 20 more get in.
      await waitUntil(async () => (await small.metric('tallyhub_connections_open')) <= 1, 10_000,
        'the first connections to close');
      const again = await runLoad([small.url('/hubs/metrics'), '-n', '20', '--duration', '0s', '--setup-timeout', '3s']);
      assert.equal(again.code, 0);
      assert.equal(again.lines.report.connect.established, 20);
    } finally {
      await small.close();
    }
  });
});

describe('tallyhub-load errors', () => {
  it('reports refused connections and exits 1', async () => {
    const port = await freePort();
    const { code, lines } = await runLoad([`http://127.0.0.1:${port}/hubs/metrics`, '-n', '5', '--duration', '0s']);
    assert.equal(code, 1);
    assert.deepEqual(lines.connected.failures, { 'connect: Connection refused': 5 });
  });

  it('refuses bad options with exit 2', async () => {
    for (const args of [['ftp://x/'], ['http://127.0.0.1:1/h', '--duration', '10'], ['ws://127.0.0.1:1/'],
      ['http://127.0.0.1:1/h', '--sources', '127.0.0.9-127.0.0.1']]) {
      const { code, stderr } = await runLoad(args);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, /tallyhub-load|error|required|URL/i);
    }
  });
});
