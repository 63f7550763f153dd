// Helpers around the official @microsoft/signalr client: build and start a connection to the test
// hub, record what the server sends, and wait for things with deadlines so that no test hangs.

import * as signalR from '@microsoft/signalr';

export { signalR };

/** The methods the test hub calls on clients; each connection records them (see Recorder). */
export const clientMethods = ['Welcome', 'Broadcast', 'Message', 'GroupMessage', 'Seq'];

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects with "<what> timed out after N ms" unless `promise` settles first. */
export async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `predicate` (sync or async) every intervalMs until it is truthy; fails after timeoutMs,
 * also when one call of the predicate itself never settles (a request the server never answers).
 */
export async function waitUntil(predicate, timeoutMs, what, intervalMs = 10) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = Math.max(deadline - Date.now(), 0) + 1_000;
    if (await withTimeout(Promise.resolve().then(predicate), left, `${what} (one check)`)) return;
    if (Date.now() >= deadline) throw new Error(`${what}: not true within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** A promise with its resolve/reject exposed. */
export function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/**
 * Records every call the server makes on a connection: calls.Message is a list of argument arrays.
 * Also records the close/reconnect events.
 */
export class Recorder {
  constructor(connection) {
    this.connection = connection;
    this.calls = Object.fromEntries(clientMethods.map((m) => [m, []]));
    this.closed = null;              // { error } once onclose fired
    this.reconnecting = [];          // errors passed to onreconnecting
    this.reconnected = [];           // connection ids passed to onreconnected
    this._waiters = new Set();
    for (const method of clientMethods) {
      connection.on(method, (...args) => {
        this.calls[method].push(args);
        this._wake();
      });
    }
    connection.onclose((error) => { this.closed = { error }; this._wake(); });
    connection.onreconnecting((error) => { this.reconnecting.push(error); this._wake(); });
    connection.onreconnected((id) => { this.reconnected.push(id); this._wake(); });
  }

  /** Waits until `predicate(this)` is true, re-checked after every event; fails after timeoutMs. */
  async until(predicate, timeoutMs, what) {
    if (predicate(this)) return;
    const waiter = deferred();
    const entry = () => { if (predicate(this)) waiter.resolve(); };
    this._waiters.add(entry);
    try {
      await withTimeout(waiter.promise, timeoutMs, what);
    } finally {
      this._waiters.delete(entry);
    }
  }

  /** Waits until `method` has been called at least `count` times; returns the argument lists. */
  async received(method, count, timeoutMs, what = `${count} × ${method}`) {
    await this.until((r) => r.calls[method].length >= count, timeoutMs,
      `${what} (got ${this.calls[method].length})`);
    return this.calls[method];
  }

  _wake() { for (const w of [...this._waiters]) w(); }
}

/**
 * Builds (not starts) a connection to `url` over WebSockets.
 * options: skipNegotiation, reconnectDelays (array: withAutomaticReconnect), logLevel.
 */
export function buildConnection(url, options = {}) {
  let builder = new signalR.HubConnectionBuilder()
    .withUrl(url, { transport: signalR.HttpTransportType.WebSockets, skipNegotiation: !!options.skipNegotiation })
    .configureLogging(options.logLevel ?? signalR.LogLevel.Warning);
  if (options.reconnectDelays) builder = builder.withAutomaticReconnect(options.reconnectDelays);
  return builder.build();
}

/**
 * Builds, instruments and starts a connection. Resolves with { connection, rec } once it is
 * connected; `configure(connection)` runs before start (for timeouts and intervals).
 */
export async function connect(url, options = {}) {
  const connection = buildConnection(url, options);
  if (options.configure) options.configure(connection);
  const rec = new Recorder(connection);
  await withTimeout(connection.start(), options.startTimeoutMs ?? 10_000, `connection.start() to ${url}`);
  return { connection, rec };
}

/** Stops every connection (ignoring errors); bounded so that teardown never hangs. */
export async function stopAll(connections) {
  await withTimeout(
    Promise.allSettled(connections.filter(Boolean).map((c) => c.stop())),
    15_000, 'stopping connections',
  ).catch(() => {});
}

/** Returns an Error's message, or String(value). */
export function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}
