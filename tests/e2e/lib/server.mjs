// Runs the real tallyhub binary for an end-to-end test: start it on free loopback ports, wait for
// `tallyhub: ready`, hand out its URLs, signal it, collect its exit code. The JavaScript twin of
// tests/integration/server_process.hpp.
//
// The binary comes from TALLYHUB_BIN, or ../../build/cmake-release/tallyhub next to this folder.
// stdout and stderr are read through pipes and kept in memory, so a failing test can show everything
// the server printed. Every server still running when the test process exits is killed (SIGKILL).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Absolute path of the tallyhub binary under test. */
export const tallyhubBin = path.resolve(
  process.env.TALLYHUB_BIN || path.join(here, '..', '..', '..', 'build', 'cmake-release', 'tallyhub'),
);

const live = new Set();
const dataDirs = new Set();   // journals of servers started without options.dataDir, removed at exit
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});
// The test runner stops a file that overruns with SIGTERM; take the servers down with it.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)));
}

const listeningLine = /^tallyhub: listening on (?:http|amqp):\/\/(.+):(\d+)\/ \((\w+)\)$/;

/**
 * One running tallyhub. Create with startServer().
 *
 * Options (all optional):
 *   http: 'HOST:PORT' (default '127.0.0.1:0'), admin (default '127.0.0.1:0'), amqpListen (default '127.0.0.1:0'),
 *   dataDir ('off', or a directory kept across restarts; default: a fresh temporary directory),
 *   cores, ioBackend ('uring'|'epoll'), keepAliveInterval, clientTimeout, handshakeTimeout
 *   (durations such as '15s'), maxMessageSize, corsOrigins (string or array), testHub (default true),
 *   args: extra command-line arguments, env: extra environment, readyTimeoutMs (default 10000).
 */
export class TallyhubServer {
  constructor(options = {}) {
    this.options = options;
    this.stdout = '';
    this.stderr = '';
    this.httpPort = 0;
    this.adminPort = 0;
    this.amqpPort = 0;             // the AMQP listener (--amqp-listen), 0 if off
    this.host = '127.0.0.1';
    this.exitCode = undefined;     // exit code, or 128 + signal number; undefined while running
    // Each server journals into its own temporary directory unless told otherwise ('off', or a
    // directory a test reuses across restarts).
    this.dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'tallyhub-e2e-data-'));
    if (options.dataDir === undefined) dataDirs.add(this.dataDir);
    this.args = buildArgs({ ...options, dataDir: this.dataDir });
    this.child = null;
    this._exited = null;
    this._signalled = false;       // true once the test sent a signal: an exit after that is expected
  }

  /** Starts the process and resolves once it printed its http listener line and `tallyhub: ready`. */
  async start() {
    if (!existsSync(tallyhubBin)) {
      throw new Error(`tallyhub binary not found at ${tallyhubBin} (set TALLYHUB_BIN or build build/cmake-release)`);
    }
    const env = { ...process.env, ...(this.options.env || {}) };
    const child = spawn(tallyhubBin, this.args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child = child;
    live.add(child);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => { this.stderr += chunk; });

    this._exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        live.delete(child);
        this.exitCode = code !== null ? code : 128 + signalNumber(signal);
        resolve(this.exitCode);
      });
      child.on('error', (err) => {
        live.delete(child);
        this.stderr += `\n[spawn error] ${err.message}\n`;
        this.exitCode = 127;
        resolve(127);
      });
    });

    const readyTimeoutMs = this.options.readyTimeoutMs ?? 10_000;
    await new Promise((resolve, reject) => {
      let done = false;
      const finish = (err) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        child.stdout.off('data', onData);
        // Keep collecting stdout after ready.
        child.stdout.on('data', (chunk) => { this.stdout += chunk; });
        if (err) {
          this._signalled = true;   // reported here; teardown need not report the exit again
          reject(err);
        } else {
          resolve();
        }
      };
      const onData = (chunk) => {
        this.stdout += chunk;
        for (const line of this.stdout.split('\n')) {
          const m = listeningLine.exec(line.trim());
          if (!m) continue;
          if (m[3] === 'http') { this.host = m[1]; this.httpPort = Number(m[2]); }
          if (m[3] === 'admin') this.adminPort = Number(m[2]);
          if (m[3] === 'amqp') this.amqpPort = Number(m[2]);
        }
        if (this.stdout.includes('tallyhub: ready\n')) {
          if (this.httpPort > 0) finish();
          else finish(new Error(`tallyhub is ready but printed no http listener line\n${this.output()}`));
        }
      };
      child.stdout.on('data', onData);
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(new Error(`tallyhub printed no 'tallyhub: ready' within ${readyTimeoutMs} ms: ${this.commandLine()}\n${this.output()}`));
      }, readyTimeoutMs);
      this._exited.then((code) => {
        finish(new Error(`tallyhub exited with status ${code} before it was ready: ${this.commandLine()}\n${this.output()}`));
      });
    });
    return this;
  }

  /** `http://127.0.0.1:PORT` + pathname. */
  url(pathname = '/') { return `http://${this.host}:${this.httpPort}${pathname}`; }

  /** The test hub's URL (http://…/hubs/test), as given to HubConnectionBuilder.withUrl. */
  get hubUrl() { return this.url('/hubs/test'); }

  /** amqp:// URL of `address` on the AMQP listener (user info optional). */
  amqpUrl(address = 'events', userinfo = '') {
    return `amqp://${userinfo ? `${userinfo}@` : ''}${this.host}:${this.amqpPort}/${address}`;
  }

  /** The current metrics ({TotalOrders, TotalRevenue, …}) from the first event of /sse/metrics. */
  async currentMetrics() {
    const reader = (await fetch(this.url('/sse/metrics'), { signal: AbortSignal.timeout(3_000) })).body.getReader();
    const { value } = await reader.read();
    reader.cancel().catch(() => {});
    return JSON.parse(new TextDecoder().decode(value).split('\n')[0].slice('data: '.length));
  }

  /** URL of `pathname` on the admin listener (/metrics, /healthz, /readyz). */
  adminUrl(pathname = '/metrics') { return `http://${this.host}:${this.adminPort}${pathname}`; }

  /** The value of one Prometheus sample from /metrics, e.g. metric('x_total', { hub: '/hubs/metrics' }); NaN if absent. */
  async metric(name, labels = {}) {
    const text = await (await fetch(this.adminUrl('/metrics'))).text();
    const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
    const key = want ? `${name}{${want}}` : name;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${key} `)) return Number(line.slice(key.length + 1));
    }
    return NaN;
  }

  /** ws://127.0.0.1:PORT + pathname. */
  wsUrl(pathname = '/hubs/test') { return `ws://${this.host}:${this.httpPort}${pathname}`; }

  /** The command line, for messages. */
  commandLine() { return [tallyhubBin, ...this.args].join(' '); }

  /** Everything the server printed, labelled, for failure messages. */
  output() {
    return `--- tallyhub stdout ---\n${this.stdout}--- tallyhub stderr ---\n${this.stderr}--- end ---`;
  }

  /** True while the process has not exited. */
  get running() { return this.child !== null && this.exitCode === undefined; }

  /** Sends a signal; false when the process has already exited. */
  signal(sig) {
    if (!this.running) return false;
    this._signalled = true;
    return this.child.kill(sig);
  }

  /** Resolves with the exit code, or rejects when the process is still running after timeoutMs. */
  async waitExit(timeoutMs) {
    if (!this.child) throw new Error('server was never started');
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`tallyhub still running after ${timeoutMs} ms\n${this.output()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this._exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * SIGTERM (graceful drain), then SIGKILL if it has not exited within timeoutMs.
   * Resolves with the exit code of the graceful stop, or rejects (after killing) on a timeout.
   */
  async stop(timeoutMs = 15_000) {
    if (!this.running) return this.exitCode;
    this.signal('SIGTERM');
    try {
      return await this.waitExit(timeoutMs);
    } catch (err) {
      this.kill();
      throw err;
    }
  }

  /**
   * Test teardown (after hooks): SIGTERM and a graceful drain. Rejects, with everything the server
   * printed, when the server had crashed earlier, did not exit 0 within timeoutMs (it is then killed),
   * or printed a sanitizer report (ASan/UBSan/LSan builds) at any point.
   */
  async close(timeoutMs = 15_000) {
    if (!this.child) return undefined;
    if (!this.running && !this._signalled) {
      throw new Error(`tallyhub exited on its own with status ${this.exitCode} during the tests: ` +
        `${this.commandLine()}\n${this.output()}`);
    }
    const code = this.running ? await this.stop(timeoutMs) : this.exitCode;
    this.assertNoSanitizerReport();
    if (code !== 0) throw new Error(`tallyhub exited with status ${code} after SIGTERM\n${this.output()}`);
    return code;
  }

  /** Throws when the server printed a sanitizer report. */
  assertNoSanitizerReport() {
    if (/ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error: /.test(this.stderr)) {
      throw new Error(`tallyhub printed a sanitizer report\n${this.output()}`);
    }
  }

  /**
   * SIGKILL, no waiting for drain. Rejects, with everything the server printed, when the server had
   * already exited without being asked: a crash during the tests.
   */
  async kill() {
    if (!this.child) return undefined;
    if (!this.running) {
      if (!this._signalled) {
        throw new Error(`tallyhub exited on its own with status ${this.exitCode} during the tests: ` +
          `${this.commandLine()}\n${this.output()}`);
      }
      return this.exitCode;
    }
    this._signalled = true;
    this.child.kill('SIGKILL');
    try {
      return await this.waitExit(15_000);
    } catch (err) {
      // A killed process that does not go away is stuck in the kernel: say where.
      throw new Error(`tallyhub did not exit within 15 s of SIGKILL\n${kernelState(this.child.pid)}\n${err.message}`);
    }
  }
}

/** Starts a server (see TallyhubServer for the options) and waits until it is ready. */
export async function startServer(options = {}) {
  return new TallyhubServer(options).start();
}

function buildArgs(o) {
  const args = ['--http', o.http ?? '127.0.0.1:0', '--admin', o.admin ?? '127.0.0.1:0',
    '--amqp-listen', o.amqpListen ?? '127.0.0.1:0', '--data-dir', o.dataDir];
  if (o.cores !== undefined) args.push('--cores', String(o.cores));
  if (o.testHub ?? true) args.push('--test-hub');
  if (o.ioBackend) args.push('--io-backend', o.ioBackend);   // else TALLYHUB_IO_BACKEND, if set, applies
  if (o.keepAliveInterval) args.push('--keep-alive-interval', o.keepAliveInterval);
  if (o.clientTimeout) args.push('--client-timeout', o.clientTimeout);
  if (o.handshakeTimeout) args.push('--handshake-timeout', o.handshakeTimeout);
  if (o.maxMessageSize !== undefined) args.push('--max-message-size', String(o.maxMessageSize));
  if (o.corsOrigins) {
    args.push('--cors-origin', Array.isArray(o.corsOrigins) ? o.corsOrigins.join(',') : o.corsOrigins);
  }
  if (o.args) args.push(...o.args);
  return args;
}

/** /proc's view of a process that does not exit: its state, wait channel and kernel stack. */
function kernelState(pid) {
  const read = (name) => { try { return readFileSync(`/proc/${pid}/${name}`, 'utf8').trim(); } catch (e) { return `(${e.code})`; } };
  const state = read('status').split('\n').filter((l) => /^(State|Threads):/.test(l)).join(', ');
  return `pid ${pid}: ${state}; wchan ${read('wchan')}\n${read('stack')}`;
}

function signalNumber(name) {
  return os.constants.signals[name] ?? 0;
}
