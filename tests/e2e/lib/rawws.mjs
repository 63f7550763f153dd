// A hand-driven WebSocket peer on node:net, for frame-level tests: it writes whatever bytes a test
// builds (illegal ones included) and parses what the server sends back, one frame at a time.
//
// RFC 6455 §5.2 frame layout: FIN RSV1-3 opcode | MASK len7 [len16|len64] [mask key] payload.

import net from 'node:net';
import crypto from 'node:crypto';
import { withTimeout } from './hub.mjs';

export const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa };
export const RS = '\x1e';

/**
 * Builds one frame. Client frames are masked unless mask === false.
 * fields: opcode, payload (Buffer|string), fin (default true), rsv (3-bit value, default 0), mask.
 */
export function frame({ opcode, payload = Buffer.alloc(0), fin = true, rsv = 0, mask = true }) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  const len = data.length;
  const head = [((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f))];
  const maskBit = mask ? 0x80 : 0;
  if (len < 126) {
    head.push(maskBit | len);
  } else if (len < 65536) {
    head.push(maskBit | 126, len >> 8, len & 0xff);
  } else {
    head.push(maskBit | 127, 0, 0, 0, 0, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = crypto.randomBytes(4);
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; ++i) masked[i] = data[i] ^ key[i & 3];
  return Buffer.concat([Buffer.from(head), key, masked]);
}

/** A Close frame's payload: 2-byte code + UTF-8 reason. */
export function closePayload(code, reason = '') {
  const r = Buffer.from(reason, 'utf8');
  const b = Buffer.alloc(2 + r.length);
  b.writeUInt16BE(code, 0);
  r.copy(b, 2);
  return b;
}

/** The SignalR JSON handshake request. */
export const handshakeRequest = `{"protocol":"json","version":1}${RS}`;

/**
 * One raw TCP connection to the server. Use RawPeer.upgrade() for a WebSocket, RawPeer.http() for a
 * plain request; then nextFrame()/closeFrame()/tcpClosed() to observe the server.
 */
export class RawPeer {
  constructor(socket) {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.frames = [];          // parsed server frames not yet consumed by nextFrame()
    this.allFrames = [];       // every parsed server frame, for messages
    this.ended = false;        // TCP FIN or reset seen
    this.socketError = null;
    this.upgraded = false;
    this._waiters = new Set();
    socket.on('data', (chunk) => { this.buffer = Buffer.concat([this.buffer, chunk]); this._parse(); this._wake(); });
    socket.on('end', () => { this.ended = true; this._wake(); });
    socket.on('close', () => { this.ended = true; this._wake(); });
    socket.on('error', (err) => { this.socketError = err; this.ended = true; this._wake(); });
  }

  /** Opens a TCP connection to 127.0.0.1:port. */
  static async connect(port, host = '127.0.0.1') {
    const socket = net.connect({ port, host });
    socket.setNoDelay(true);
    await withTimeout(new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    }), 5_000, `TCP connect to ${host}:${port}`);
    return new RawPeer(socket);
  }

  /**
   * Sends an HTTP/1.1 upgrade for `path` and reads the response head. `headers` overrides or removes
   * (value null) the default upgrade headers. Resolves with { status, headers, body? , peer }.
   */
  static async upgrade(port, path = '/hubs/test', headers = {}) {
    const peer = await RawPeer.connect(port);
    const base = {
      Host: `127.0.0.1:${port}`,
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64'),
      'Sec-WebSocket-Version': '13',
    };
    const all = { ...base, ...headers };
    let request = `GET ${path} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(all)) if (v !== null && v !== undefined) request += `${k}: ${v}\r\n`;
    peer.socket.write(request + '\r\n');
    const response = await peer.readHead();
    if (response.status === 101) {
      peer.upgraded = true;
      const expected = crypto.createHash('sha1')
        .update(all['Sec-WebSocket-Key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      response.acceptOk = response.headers['sec-websocket-accept'] === expected;
      peer._parse();
    }
    return { ...response, peer };
  }

  /** Reads an HTTP response head (and a Content-Length body unless it is a 101). */
  async readHead(timeoutMs = 5_000) {
    await this._until(() => this.buffer.indexOf('\r\n\r\n') >= 0 || this.ended, timeoutMs, 'HTTP response head');
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`connection closed before an HTTP response head: ${JSON.stringify(this.buffer.toString('latin1'))}`);
    const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    this.buffer = this.buffer.subarray(end + 4);
    const status = Number(lines[0].split(' ')[1]);
    const headers = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let body = '';
    if (status !== 101 && headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      await this._until(() => this.buffer.length >= n || this.ended, timeoutMs, 'HTTP response body');
      body = this.buffer.subarray(0, n).toString('utf8');
      this.buffer = this.buffer.subarray(n);
    }
    return { status, statusLine: lines[0], headers, body };
  }

  /** Writes raw bytes (a Buffer, a string, or an array of them). */
  write(data) {
    if (this.ended) return;
    for (const part of Array.isArray(data) ? data : [data]) this.socket.write(part);
  }

  /** Writes one client frame (see frame()). */
  send(fields) { this.write(frame(fields)); }

  /** Sends a text message in one masked frame. */
  sendText(text) { this.send({ opcode: OP.text, payload: text }); }

  /** Resolves with the next server frame { fin, rsv, opcode, masked, payload }; fails on timeout or TCP close. */
  async nextFrame(timeoutMs = 5_000, what = 'next frame from the server') {
    await this._until(() => this.frames.length > 0 || this.ended, timeoutMs, what);
    if (this.frames.length === 0) throw new Error(`${what}: the server closed TCP first (${this._describe()})`);
    return this.frames.shift();
  }

  /**
   * Skips data frames (a SignalR Close message may come first) until the server's Close frame and
   * returns { code, reason } (code undefined for an empty Close). Answers it with a Close unless
   * reply === false, so the server can finish the closing handshake.
   */
  async closeFrame(timeoutMs = 5_000, { reply = true } = {}) {
    for (;;) {
      const f = await this.nextFrame(timeoutMs, 'a Close frame from the server');
      if (f.opcode !== OP.close) continue;
      const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : undefined;
      const reason = f.payload.length > 2 ? f.payload.subarray(2).toString('utf8') : '';
      if (reply) this.send({ opcode: OP.close, payload: f.payload.length >= 2 ? f.payload.subarray(0, 2) : Buffer.alloc(0) });
      return { code, reason };
    }
  }

  /** Resolves once the server has closed the TCP connection. */
  async tcpClosed(timeoutMs = 5_000) {
    await this._until(() => this.ended, timeoutMs, 'server closing the TCP connection');
  }

  /** Text of the data frames received so far, for messages. */
  _describe() {
    return `frames so far: ${JSON.stringify(this.allFrames.map((f) => ({ opcode: f.opcode, payload: f.payload.toString('utf8').slice(0, 200) })))}`;
  }

  /** Destroys the socket. */
  destroy() { this.socket.destroy(); }

  _parse() {
    if (!this.upgraded) return;
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) return;
      let len = b[1] & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2); offset = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2)); offset = 10;
      }
      const masked = (b[1] & 0x80) !== 0;
      if (masked) offset += 4;
      if (b.length < offset + len) return;
      let payload = Buffer.from(b.subarray(offset, offset + len));
      if (masked) {
        const key = b.subarray(offset - 4, offset);
        for (let i = 0; i < payload.length; ++i) payload[i] ^= key[i & 3];
      }
      const f = { fin: (b[0] & 0x80) !== 0, rsv: (b[0] >> 4) & 7, opcode: b[0] & 0x0f, masked, payload };
      this.frames.push(f);
      this.allFrames.push(f);
      this.buffer = b.subarray(offset + len);
    }
  }

  async _until(predicate, timeoutMs, what) {
    if (predicate()) return;
    let entry;
    const done = new Promise((resolve) => { entry = () => { if (predicate()) resolve(); }; });
    this._waiters.add(entry);
    try {
      await withTimeout(done, timeoutMs, what);
    } finally {
      this._waiters.delete(entry);
    }
  }

  _wake() { for (const w of [...this._waiters]) w(); }
}

/**
 * Upgrades, then performs the SignalR JSON handshake and checks the `{}` answer. Returns the peer;
 * anything the server sent after `{}\x1e` in the same frame (e.g. Welcome) is in peer.afterHandshake.
 */
export async function signalrPeer(port, path = '/hubs/test') {
  const { status, peer } = await RawPeer.upgrade(port, path);
  if (status !== 101) throw new Error(`upgrade to ${path} answered ${status}, expected 101`);
  peer.sendText(handshakeRequest);
  const f = await peer.nextFrame(5_000, 'the handshake response');
  const text = f.payload.toString('utf8');
  if (f.opcode !== OP.text || !text.startsWith(`{}${RS}`)) {
    throw new Error(`handshake answered opcode ${f.opcode} ${JSON.stringify(text)}, expected a text frame starting {}\\x1e`);
  }
  peer.afterHandshake = text.slice(3);
  return peer;
}
