// The dashboard against the real server: tallyhub serving a fresh build with --demo-rate, and the
// official SignalR client in node. Checks the caching headers of / and its bundles, that the seed's
// own metrics-dashboard.ts (unchanged) fills our page's cards, that our connection (src/hub.ts)
// fills the view model over each transport, and the badge's reconnect and offline paths.
// Needs build/cmake-release/tallyhub (or TALLYHUB_BIN); without it every test here is skipped, loudly.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';

import { TallyhubServer, tallyhubBin } from '../../tests/e2e/lib/server.mjs';
import { loadTs, webDir } from './lib/load.mjs';
import { freePort, pageDocument, until } from './lib/page.mjs';

const skip = existsSync(tallyhubBin) ? false : `no tallyhub binary at ${tallyhubBin} (build build/cmake-release or set TALLYHUB_BIN)`;
if (skip) console.error(`SKIP web/test/served.test.mjs: ${skip}`);

const demoArgs = (webRoot) => ['--web-root', webRoot, '--demo-rate', '50', '--broadcast-interval', '250ms'];
const { MetricsConnection } = skip ? {} : await loadTs('src/hub.ts');
const { DashboardModel } = skip ? {} : await loadTs('src/model.ts');

let dist;
before(() => {
  if (skip) return;
  dist = mkdtempSync(path.join(os.tmpdir(), 'tallyhub-web-dist-'));
  execFileSync(process.execPath, ['build.mjs', '--outdir', dist], { cwd: webDir, stdio: 'ignore' });
});
after(() => { if (dist) rmSync(dist, { recursive: true, force: true }); });

// Runs `fn` with console.warn/error captured (the client reports a dropped connection at error level).
async function quietly(fn) {
  const { warn, error } = console;
  const lines = [];
  console.warn = console.error = (...args) => lines.push(args.join(' '));
  try {
    return await fn(lines);
  } finally {
    Object.assign(console, { warn, error });
  }
}

async function connect(url, options = {}, prepare = () => {}) {
  const model = new DashboardModel();
  prepare(model);
  const connection = new MetricsConnection(model, { url, ...options });
  await connection.start();
  return { model, connection };
}

describe('the dashboard served by tallyhub', { skip }, () => {
  let server;
  before(async () => { server = await new TallyhubServer({ testHub: false, args: demoArgs(dist), readyTimeoutMs: 20_000 }).start(); });
  after(async () => { await server?.close(); });

  test('/ is revalidated on every load; the hashed bundles are cached for a year, gzipped', async () => {
    const page = await fetch(server.url('/'));
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const etag = page.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]{16}"$/);
    const html = await page.text();
    assert.equal(html, readFileSync(path.join(dist, 'index.html'), 'utf8'));
    assert.equal(page.headers.get('content-encoding'), 'gzip', 'fetch asks for gzip and decodes it');
    const again = await fetch(server.url('/'), { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    const identity = await fetch(server.url('/'), { headers: { 'If-None-Match': etag, 'Accept-Encoding': 'identity' } });
    assert.equal(identity.status, 200, 'the uncompressed representation has its own ETag');

    const { script, stylesheet } = JSON.parse(readFileSync(path.join(dist, 'build.json'), 'utf8'));
    for (const [asset, type] of [[script, 'text/javascript; charset=utf-8'], [stylesheet, 'text/css; charset=utf-8']]) {
      assert.ok(html.includes(`"${asset}"`), `index.html names ${asset}`);
      const res = await fetch(server.url(`/${asset}`), { headers: { 'Accept-Encoding': 'gzip' } });
      assert.equal(res.status, 200, asset);
      assert.equal(res.headers.get('content-type'), type);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      // fetch decodes gzip itself; the sizes say it travelled compressed.
      assert.equal(res.headers.get('content-encoding'), 'gzip');
      const body = Buffer.from(await res.arrayBuffer());
      assert.ok(body.equals(readFileSync(path.join(dist, asset))));
      assert.ok(gunzipSync(readFileSync(path.join(dist, `${asset}.gz`))).equals(body));
    }
  });

  test('the seed\'s metrics-dashboard.ts, unchanged, fills our page\'s cards from our server', async () => {
    const html = await (await fetch(server.url('/'))).text();
    const doc = pageDocument(html);
    let toasts = 0;
    const append = doc.body.appendChild.bind(doc.body);
    doc.body.appendChild = (el) => { if (el.className === 'toast') toasts++; return append(el); };
    Object.assign(globalThis, { document: doc, location: new URL(server.url('/')) });
    const log = console.log, said = [];
    console.log = (...args) => said.push(String(args[0]));
    try {
      await loadTs('test/fixtures/seed-metrics-dashboard.ts', {
        name: 'seed-dashboard',
        plugins: [{
          name: 'page-origin-signalr',
          setup(b) {
            b.onResolve({ filter: /^@microsoft\/signalr$/ }, (args) => (args.importer.endsWith('seed-metrics-dashboard.ts')
              ? { path: path.join(webDir, 'test', 'fixtures', 'page-origin-signalr.mjs') }
              : { path: args.path, external: true }));
          },
        }],
      });
      const text = (id) => String(doc.getElementById(id).textContent);
      await until(() => said.includes('Connected to MetricsHub') && said.includes('Payment metrics update:') && toasts > 0,
        'the seed to connect and receive order and payment updates');
      assert.match(text('total-orders'), /^[1-9]\d*$/);
      assert.match(text('total-revenue'), /^\$\d+\.\d\d$/);
      assert.match(text('avg-order-value'), /^\$\d+\.\d\d$/);
      assert.match(text('total-payments'), /^[1-9]\d*$/);
      assert.notEqual(text('last-updated'), '-');
    } finally {
      console.log = log;
      await Promise.all((globalThis.seedConnections ?? []).map((c) => c.stop()));
      delete globalThis.document;
      delete globalThis.location;
    }
  });

  test('our connection fills the view model and back-fills the charts from GetHistory', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));  // some history on the server first
    const { model, connection } = await connect(server.url('/hubs/metrics'));
    try {
      assert.equal(model.connection.status, 'connected');
      assert.equal(model.connection.transport, 'WebSockets');
      assert.equal(model.connection.protocol, 'json v2');
      assert.ok(model.kpi.totalOrders > 0, 'ReceiveCurrentMetrics on connect');
      await until(() => model.series.length > 0 && model.daily.rows.length > 0, 'GetHistory and GetDailySales answers');
      const backfilled = model.series.length;
      assert.ok(backfilled >= 1, 'history before the first live update');
      assert.match(model.daily.rows[0].Day, /^\d{4}-\d\d-\d\d$/);
      await until(() => model.window && model.batches.length > 0 && model.series.length > backfilled && model.kpi.totalPayments > 0,
        'window, batch, live metrics and payment updates');
      assert.equal(model.windowSeconds, 300);
      assert.equal(model.window.seconds, 300);
      assert.ok(model.toasts.visible.length > 0 && model.toasts.visible.length <= 3);
    } finally {
      await connection.stop();
    }
  });

  test('pinned to WebSockets (?transport=ws), the footer names it and the broadcasts arrive', async () => {
    const { model, connection } = await connect(server.url('/hubs/metrics'), { transport: 'WebSockets' });
    try {
      assert.equal(model.connection.status, 'connected');
      assert.equal(model.connection.transport, 'WebSockets');
      const first = model.kpi.totalOrders;
      await until(() => model.kpi.totalOrders > first && model.window, 'a broadcast');
    } finally {
      await connection.stop();
    }
  });

  // tallyhub negotiates WebSockets only; a page pinned to another transport says why it is offline.
  test('pinned to a transport the server does not offer, the badge is offline with the reason', async () => {
    // A server that serves WebSockets only (--transports), and a page pinned to Server-Sent Events.
    const wsOnly = await new TallyhubServer({ testHub: false, args: [...demoArgs(dist), '--transports', 'websockets'],
      readyTimeoutMs: 20_000 }).start();
    try {
      await quietly(async () => {
        const { model, connection } = await connect(wsOnly.url('/hubs/metrics'), { transport: 'ServerSentEvents' });
        try {
          assert.equal(model.connection.status, 'offline');
          assert.match(model.connection.error, /Unable to connect to the server with any of the available transports/);
        } finally {
          await connection.stop();
        }
      });
    } finally {
      await wsOnly.close();
    }
  });
});

describe('the connection badge', { skip }, () => {
  test('a restarted server: reconnecting, then connected and back-filled again', async () => {
    const port = await freePort();
    const http = `127.0.0.1:${port}`;
    const first = await new TallyhubServer({ testHub: false, http, args: demoArgs(dist), readyTimeoutMs: 20_000 }).start();
    let second;
    await quietly(async () => {
      let histories = 0;
      const { model, connection } = await connect(`http://${http}/hubs/metrics`, {}, (m) => {
        const history = m.history.bind(m);
        m.history = (points) => { histories++; history(points); };
      });
      try {
        await until(() => histories === 1, 'the first back-fill');
        await first.kill();
        await until(() => model.connection.status === 'reconnecting', 'the badge to say reconnecting');
        assert.equal(model.connection.transport, '');
        second = await new TallyhubServer({ testHub: false, http, args: demoArgs(dist), readyTimeoutMs: 20_000 }).start();
        await until(() => model.connection.status === 'connected', 'the automatic reconnect', 15_000);
        await until(() => histories >= 2, 'GetHistory again after the reconnect');
        assert.equal(model.connection.transport, 'WebSockets');
      } finally {
        await connection.stop();
        await second?.close();
      }
    });
  });

  test('no server at first: offline, and start() again every 5 s until it is there', async () => {
    const http = `127.0.0.1:${await freePort()}`;
    let server;
    await quietly(async () => {
      const before = Date.now();
      const { model, connection } = await connect(`http://${http}/hubs/metrics`);
      try {
        assert.equal(model.connection.status, 'offline');
        const wait = model.connection.retryAtMs - before;
        assert.ok(wait >= 5000 && wait < 6500, `next try in ${wait} ms`);
        assert.notEqual(model.connection.error, '');
        server = await new TallyhubServer({ testHub: false, http, args: demoArgs(dist), readyTimeoutMs: 20_000 }).start();
        await until(() => model.connection.status === 'connected', 'the 5 s retry to connect', 9000);
        assert.ok(Number.isFinite(model.kpi.totalOrders));
      } finally {
        await connection.stop();
        await server?.close();
      }
    });
  });
});
