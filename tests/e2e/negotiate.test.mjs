// 12. The negotiate endpoint, connection tokens, and CORS.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import WebSocket from 'ws';
import { startServer } from './lib/server.mjs';
import { withTimeout, deferred } from './lib/hub.mjs';

const RS = '\x1e';

/** One HTTP request on a fresh connection: resolves { status, headers, body }. */
function request(port, method, path, headers = {}, body = '') {
  return withTimeout(new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  }), 5_000, `${method} ${path}`);
}

const negotiate = (port, query = '?negotiateVersion=1', headers = {}) =>
  request(port, 'POST', `/hubs/test/negotiate${query}`, headers);

/** Opens a WebSocket; resolves { ws, status } (status 101 when open, else the HTTP status). */
function openWs(url) {
  return withTimeout(new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('error', () => {});
    ws.once('open', () => resolve({ ws, status: 101 }));
    ws.once('unexpected-response', (_, res) => { res.resume(); resolve({ ws, status: res.statusCode }); ws.terminate(); });
    ws.once('error', reject);
  }), 5_000, `WebSocket ${url}`);
}

/** Sends the SignalR handshake on an open ws and resolves with the first message. */
function handshake(ws) {
  const answer = deferred();
  ws.once('message', (data) => answer.resolve(data.toString('utf8')));
  ws.send(`{"protocol":"json","version":1}${RS}`);
  return withTimeout(answer.promise, 5_000, 'handshake response');
}

const closeWs = (ws) => withTimeout(new Promise((resolve) => {
  if (ws.readyState === WebSocket.CLOSED) return resolve();
  ws.once('close', resolve);
  ws.close();
}), 5_000, 'WebSocket close').catch(() => ws.terminate());

describe('negotiate', () => {
  let server;
  before(async () => { server = await startServer({ cores: 2 }); });
  after(async () => { await server?.close(); });

  it('answers negotiateVersion=1 with ids and the WebSockets transport', async () => {
    const res = await negotiate(server.httpPort);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'] ?? '', /^application\/json/);
    const body = JSON.parse(res.body);
    assert.equal(body.negotiateVersion, 1);
    assert.match(body.connectionId, /^[A-Za-z0-9_-]{22}$/, 'connectionId: 22 base64url characters');
    assert.match(body.connectionToken, /^[A-Za-z0-9_-]{22}$/, 'connectionToken: 22 base64url characters');
    assert.notEqual(body.connectionToken, body.connectionId, 'the token is not the public id');
    assert.ok(Array.isArray(body.availableTransports), 'availableTransports is an array');
    const ws = body.availableTransports.find((t) => t.transport === 'WebSockets');
    assert.ok(ws, `WebSockets is offered: ${res.body}`);
    assert.ok(ws.transferFormats.includes('Text') && ws.transferFormats.includes('Binary'),
      `WebSockets formats ${JSON.stringify(ws.transferFormats)}`);
    assert.equal(body.useStatefulReconnect, undefined, 'no stateful reconnect unless asked');
  });

  it('gives each negotiation fresh ids', async () => {
    const bodies = await Promise.all([1, 2, 3].map(() => negotiate(server.httpPort).then((r) => JSON.parse(r.body))));
    const ids = bodies.flatMap((b) => [b.connectionId, b.connectionToken]);
    assert.equal(new Set(ids).size, ids.length, `all distinct: ${ids}`);
  });

  it('answers a non-integer negotiateVersion with the .NET error', async () => {
    const res = await negotiate(server.httpPort, '?negotiateVersion=abc');
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { error: 'The client requested a non-integer protocol version.' });
  });

  it('answers GET on negotiate with 405', async () => {
    const res = await request(server.httpPort, 'GET', '/hubs/test/negotiate?negotiateVersion=1');
    assert.equal(res.status, 405);
  });

  it('accepts the token once: the same id again gets 404', async () => {
    const body = JSON.parse((await negotiate(server.httpPort)).body);
    const first = await openWs(server.wsUrl(`/hubs/test?id=${body.connectionToken}`));
    assert.equal(first.status, 101, 'the negotiated token opens a WebSocket');
    assert.equal((await handshake(first.ws)).startsWith(`{}${RS}`), true);

    const whileOpen = await openWs(server.wsUrl(`/hubs/test?id=${body.connectionToken}`));
    assert.ok([404, 409].includes(whileOpen.status), `second WebSocket while the first is open: ${whileOpen.status}`);

    await closeWs(first.ws);
    const afterClose = await openWs(server.wsUrl(`/hubs/test?id=${body.connectionToken}`));
    assert.equal(afterClose.status, 404, 'the token of a finished connection is gone');
  });

  it('does not accept the public connectionId in id=', async () => {
    const body = JSON.parse((await negotiate(server.httpPort)).body);
    const attempt = await openWs(server.wsUrl(`/hubs/test?id=${body.connectionId}`));
    assert.equal(attempt.status, 404);
  });

  it('negotiate on a path with no hub is 404', async () => {
    const res = await request(server.httpPort, 'POST', '/hubs/nosuchhub/negotiate?negotiateVersion=1');
    assert.equal(res.status, 404);
  });
});

describe('CORS (--cors-origin http://allowed.example)', () => {
  let server;
  before(async () => { server = await startServer({ cores: 2, corsOrigins: 'http://allowed.example' }); });
  after(async () => { await server?.close(); });

  const preflight = (origin) => request(server.httpPort, 'OPTIONS', '/hubs/test/negotiate?negotiateVersion=1', {
    Origin: origin,
    'Access-Control-Request-Method': 'POST',
    'Access-Control-Request-Headers': 'x-requested-with,x-signalr-user-agent',
  });

  it('preflight from the allowed origin echoes it, with credentials', async () => {
    const res = await preflight('http://allowed.example');
    assert.ok(res.status === 200 || res.status === 204, `preflight status ${res.status}`);
    assert.equal(res.headers['access-control-allow-origin'], 'http://allowed.example');
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    const methods = (res.headers['access-control-allow-methods'] ?? '').toUpperCase();
    assert.ok(methods.includes('POST'), `allow-methods ${methods}`);
    const allowHeaders = (res.headers['access-control-allow-headers'] ?? '').toLowerCase();
    for (const h of ['x-requested-with', 'x-signalr-user-agent']) {
      assert.ok(allowHeaders.includes(h), `allow-headers ${JSON.stringify(allowHeaders)} lacks ${h}`);
    }
  });

  it('negotiate from the allowed origin echoes it, with credentials', async () => {
    const res = await negotiate(server.httpPort, '?negotiateVersion=1', { Origin: 'http://allowed.example' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], 'http://allowed.example');
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
  });

  it('a disallowed origin gets no Access-Control-Allow-Origin', async () => {
    const pre = await preflight('http://evil.example');
    assert.equal(pre.headers['access-control-allow-origin'], undefined, `preflight headers ${JSON.stringify(pre.headers)}`);
    const res = await negotiate(server.httpPort, '?negotiateVersion=1', { Origin: 'http://evil.example' });
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });
});
