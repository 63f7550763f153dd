// 11. WebSocket frame-level rules (RFC 6455) and upgrade errors, with hand-made frames on node:net.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { RawPeer, signalrPeer, frame, OP, RS, closePayload, handshakeRequest } from './lib/rawws.mjs';

/** Upgrades to /hubs/test (no id) and checks the 101. */
async function upgraded(port) {
  const { status, acceptOk, peer, headers } = await RawPeer.upgrade(port, '/hubs/test');
  assert.equal(status, 101, `upgrade status (headers ${JSON.stringify(headers)})`);
  assert.equal(acceptOk, true, 'Sec-WebSocket-Accept matches the key');
  return peer;
}

/** Sends `bytes`, then expects a Close frame with `code` and the TCP connection to end. */
async function expectClose(peer, bytes, code) {
  peer.write(bytes);
  const close = await peer.closeFrame(5_000);
  assert.equal(close.code, code, `close code (reason ${JSON.stringify(close.reason)}; ${peer._describe()})`);
  await peer.tcpClosed(5_000);
}

describe('WebSocket frames on /hubs/test', () => {
  let server;
  const peers = [];
  before(async () => { server = await startServer({ cores: 2, maxMessageSize: 32768 }); });
  after(async () => { for (const p of peers) p.destroy(); await server?.close(); });
  const track = (p) => { peers.push(p); return p; };

  it('closes with 1002 on an unmasked client frame', async () => {
    const peer = track(await upgraded(server.httpPort));
    await expectClose(peer, Buffer.from([0x81, 0x05, ...Buffer.from('hello')]), 1002);
  });

  it('closes with 1002 when an RSV bit is set without an extension', async () => {
    const peer = track(await upgraded(server.httpPort));
    await expectClose(peer, frame({ opcode: OP.text, payload: handshakeRequest, rsv: 0b100 }), 1002);
  });

  it('closes with 1002 on the reserved opcode 0x3', async () => {
    const peer = track(await upgraded(server.httpPort));
    await expectClose(peer, frame({ opcode: 0x3, payload: 'x' }), 1002);
  });

  it('closes with 1002 on a control frame longer than 125 bytes', async () => {
    const peer = track(await upgraded(server.httpPort));
    await expectClose(peer, frame({ opcode: OP.ping, payload: Buffer.alloc(126, 0x61) }), 1002);
  });

  it('closes with 1002 on a fragmented control frame', async () => {
    const peer = track(await upgraded(server.httpPort));
    await expectClose(peer, frame({ opcode: OP.ping, payload: 'p', fin: false }), 1002);
  });

  it('closes with 1002 on a continuation frame with nothing to continue', async () => {
    const peer = track(await upgraded(server.httpPort));
    await expectClose(peer, frame({ opcode: OP.continuation, payload: 'x' }), 1002);
  });

  it('answers a ping with a pong carrying the same payload', async () => {
    const peer = track(await upgraded(server.httpPort));
    const payload = Buffer.from('ping-payload-\x00\xff', 'latin1');
    peer.send({ opcode: OP.ping, payload });
    const f = await peer.nextFrame(5_000, 'the pong');
    assert.equal(f.opcode, OP.pong);
    assert.equal(f.fin, true);
    assert.equal(f.masked, false, 'server frames are not masked');
    assert.deepEqual(f.payload, payload);
  });

  it('accepts a fragmented text message with a ping between the fragments', async () => {
    const peer = track(await upgraded(server.httpPort));
    peer.send({ opcode: OP.text, payload: '{"protocol":"json",', fin: false });
    peer.send({ opcode: OP.ping, payload: 'mid' });
    peer.send({ opcode: OP.continuation, payload: `"version":1}${RS}`, fin: true });
    const pong = await peer.nextFrame(5_000, 'the pong between fragments');
    assert.equal(pong.opcode, OP.pong);
    assert.equal(pong.payload.toString(), 'mid');
    const answer = await peer.nextFrame(5_000, 'the handshake response');
    assert.equal(answer.opcode, OP.text);
    assert.ok(answer.payload.toString('utf8').startsWith(`{}${RS}`), `handshake answer ${JSON.stringify(answer.payload.toString())}`);
  });

  it('accepts a hub message split over three fragments', async () => {
    const peer = track(await signalrPeer(server.httpPort));
    const message = `{"type":1,"invocationId":"7","target":"Echo","arguments":["fragmented"]}${RS}`;
    peer.send({ opcode: OP.text, payload: message.slice(0, 10), fin: false });
    peer.send({ opcode: OP.continuation, payload: message.slice(10, 40), fin: false });
    peer.send({ opcode: OP.continuation, payload: message.slice(40), fin: true });
    for (;;) {
      const f = await peer.nextFrame(5_000, 'the Echo completion');
      const records = f.payload.toString('utf8').split(RS).filter(Boolean).map((r) => JSON.parse(r));
      const completion = records.find((m) => m.type === 3);
      if (!completion) continue;
      assert.deepEqual(completion, { type: 3, invocationId: '7', result: 'fragmented' });
      break;
    }
  });

  it('closes with 1007 on a text message that is not UTF-8', async () => {
    const peer = track(await signalrPeer(server.httpPort));
    await expectClose(peer, frame({
      opcode: OP.text, payload: Buffer.concat([Buffer.from('{"type":6}'), Buffer.from([0xc3, 0x28]), Buffer.from(RS)]),
    }), 1007);
  });

  // The limit is per hub message: the server may refuse at the WebSocket level (Close 1009) or at the
  // SignalR level (a Close message whose error names the size, then a WebSocket Close), as .NET does.
  it('refuses a text message over --max-message-size, saying so, and closes', async () => {
    const peer = track(await signalrPeer(server.httpPort));
    const big = `{"type":1,"invocationId":"1","target":"Echo","arguments":["${'z'.repeat(40 * 1024)}"]}${RS}`;
    peer.write(frame({ opcode: OP.text, payload: big }));
    const close = await peer.closeFrame(5_000);
    await peer.tcpClosed(5_000);
    const records = peer.allFrames.filter((f) => f.opcode === OP.text)
      .flatMap((f) => f.payload.toString('utf8').split(RS).filter(Boolean)).map((r) => JSON.parse(r));
    assert.equal(records.find((m) => m.type === 3), undefined, 'the oversized Echo was not answered');
    const hubClose = records.find((m) => m.type === 7);
    if (close.code !== 1009) {
      assert.ok(hubClose, `neither Close 1009 (got ${close.code}) nor a SignalR Close message: ${peer._describe()}`);
      assert.match(hubClose.error ?? '', /size|too (big|large)|exceed/i, 'the SignalR Close error names the size');
    }
  });

  it('accepts one WebSocket message carrying several hub messages that together exceed the limit', async () => {
    // The official client batches queued messages into one frame; the limit is per hub message.
    const peer = track(await signalrPeer(server.httpPort));
    const part = 'w'.repeat(15 * 1024);
    const batch = [1, 2, 3].map((i) => `{"type":1,"invocationId":"${i}","target":"Echo","arguments":["${part}${i}"]}${RS}`).join('');
    assert.ok(Buffer.byteLength(batch) > 40 * 1024);
    peer.write(frame({ opcode: OP.text, payload: batch }));
    const results = new Map();
    while (results.size < 3) {
      const f = await peer.nextFrame(5_000, `Echo completions (have ${[...results.keys()]})`);
      if (f.opcode === OP.close) assert.fail(`server closed: ${peer._describe().slice(0, 500)}`);
      for (const r of f.payload.toString('utf8').split(RS).filter(Boolean)) {
        const m = JSON.parse(r);
        if (m.type === 3) results.set(m.invocationId, m.result);
      }
    }
    for (const i of [1, 2, 3]) assert.equal(results.get(String(i)), `${part}${i}`);
  });

  it('accepts a hub message split across two WebSocket messages', async () => {
    const peer = track(await signalrPeer(server.httpPort));
    const message = `{"type":1,"invocationId":"9","target":"Add","arguments":[40,2]}${RS}`;
    peer.sendText(message.slice(0, 25));
    peer.sendText(message.slice(25));
    for (;;) {
      const f = await peer.nextFrame(5_000, 'the Add completion');
      const completion = f.payload.toString('utf8').split(RS).filter(Boolean).map((r) => JSON.parse(r)).find((m) => m.type === 3);
      if (!completion) continue;
      assert.deepEqual(completion, { type: 3, invocationId: '9', result: 42 });
      break;
    }
  });

  it('answers a client Close 1000 with a Close and then closes TCP', async () => {
    const peer = track(await signalrPeer(server.httpPort));
    peer.send({ opcode: OP.close, payload: closePayload(1000, 'bye') });
    const close = await peer.closeFrame(5_000, { reply: false });
    assert.ok(close.code === 1000 || close.code === undefined, `server Close code ${close.code}`);
    await peer.tcpClosed(5_000);
  });
});

describe('WebSocket upgrade errors', () => {
  let server;
  before(async () => { server = await startServer({ cores: 2 }); });
  after(async () => { await server?.close(); });

  it('answers 400 without Sec-WebSocket-Key', async () => {
    const { status, peer } = await RawPeer.upgrade(server.httpPort, '/hubs/test', { 'Sec-WebSocket-Key': null });
    peer.destroy();
    assert.equal(status, 400);
  });

  it('answers 426 with Sec-WebSocket-Version: 13 to version 8', async () => {
    const { status, headers, peer } = await RawPeer.upgrade(server.httpPort, '/hubs/test', { 'Sec-WebSocket-Version': '8' });
    peer.destroy();
    assert.equal(status, 426);
    assert.equal(headers['sec-websocket-version'], '13');
  });

  it('answers 404 to an upgrade with an unknown connection id', async () => {
    const { status, peer } = await RawPeer.upgrade(server.httpPort, '/hubs/test?id=unknown');
    peer.destroy();
    assert.equal(status, 404);
  });

  it('answers 404 to an upgrade on a path with no hub', async () => {
    const { status, peer } = await RawPeer.upgrade(server.httpPort, '/hubs/nosuchhub');
    peer.destroy();
    assert.equal(status, 404);
  });
});
