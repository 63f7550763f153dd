// A private RabbitMQ 3.10 broker with the AMQP 1.0 plugin for one test file: everything under one
// temporary directory, every listener on 127.0.0.1 on a free port (AMQP, Erlang distribution, and
// its own epmd), stopped by pid at the end. Boot takes about 16 s on a 2-core machine.
// (Commands from reference/amqp-1.0.md §6.3; Debian's /usr/sbin wrapper is not used because it
// switches user and writes under /var.)
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bin = '/usr/lib/rabbitmq/bin';

/** A free TCP port on 127.0.0.1 (bound and released; the broker takes it right after). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

const live = new Set();
process.on('exit', () => {
  for (const b of live) b.killNow();
});

export class RabbitMQ {
  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'tallyhub-rabbitmq-'));
    this.port = 0;
    this.server = null;
    this.epmd = null;
    this.env = null;
  }

  /** amqp:// URL of `address` on this broker (guest/guest, loopback only). */
  url(address, user = 'guest', password = 'guest') {
    return `amqp://${user}:${password}@127.0.0.1:${this.port}/${address}`;
  }

  async start(timeoutMs = 90_000) {
    if (!existsSync(`${bin}/rabbitmq-server`)) throw new Error(`${bin}/rabbitmq-server not found: install rabbitmq-server (scripts/packages.txt [test])`);
    this.port = await freePort();
    const distPort = await freePort();
    const epmdPort = await freePort();
    const d = this.dir;
    for (const sub of ['mnesia', 'log', 'home']) mkdirSync(path.join(d, sub), { recursive: true });
    writeFileSync(path.join(d, 'rabbitmq.conf'), [
      `listeners.tcp.default = 127.0.0.1:${this.port}`,
      'loopback_users.guest = true',
      'amqp1_0.default_user = guest',
      'amqp1_0.default_vhost = /',
      'amqp1_0.protocol_strict_mode = false',
      'log.console = false',
      '',
    ].join('\n'));
    writeFileSync(path.join(d, 'enabled_plugins'), '[rabbitmq_amqp1_0].\n');
    this.env = {
      ...process.env,
      HOME: path.join(d, 'home'),
      RABBITMQ_NODENAME: 'rabbit@localhost',
      RABBITMQ_CONFIG_FILE: path.join(d, 'rabbitmq.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(d, 'enabled_plugins'),
      RABBITMQ_MNESIA_BASE: path.join(d, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(d, 'log'),
      RABBITMQ_PID_FILE: path.join(d, 'rabbit.pid'),
      RABBITMQ_DIST_PORT: String(distPort),
      ERL_EPMD_ADDRESS: '127.0.0.1',
      ERL_EPMD_PORT: String(epmdPort),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
      RABBITMQ_CTL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    };
    this.epmd = spawn('epmd', ['-address', '127.0.0.1', '-port', String(epmdPort)], { env: this.env, stdio: 'ignore', cwd: this.dir });
    live.add(this);
    await this.boot(timeoutMs);
    return this;
  }

  /** Starts the broker process (again, after stop()) and waits until it accepts AMQP connections. */
  async boot(timeoutMs = 90_000) {
    let out = '';
    this.server = spawn(`${bin}/rabbitmq-server`, [], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: this.dir });
    this.server.stdout.on('data', (c) => { out += c; });
    this.server.stderr.on('data', (c) => { out += c; });
    const exited = new Promise((resolve) => this.server.once('exit', (code) => resolve(code)));
    const waited = run(`${bin}/rabbitmqctl`, ['wait', '--timeout', String(Math.ceil(timeoutMs / 1000)), this.env.RABBITMQ_PID_FILE],
      { env: this.env, timeout: timeoutMs + 5_000, cwd: this.dir });
    const first = await Promise.race([waited.then(() => 'up', (e) => `rabbitmqctl wait failed: ${e.message}`),
      exited.then((code) => `rabbitmq-server exited with ${code}`)]);
    if (first !== 'up') throw new Error(`RabbitMQ did not start: ${first}\n${out.slice(-3000)}`);
    await this.waitPort(10_000);
  }

  async waitPort(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ok = await new Promise((resolve) => {
        const s = net.connect({ port: this.port, host: '127.0.0.1' });
        s.once('connect', () => { s.destroy(); resolve(true); });
        s.once('error', () => resolve(false));
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`RabbitMQ is not listening on 127.0.0.1:${this.port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** `rabbitmqctl list_queues name messages messages_unacknowledged` as { name: { ready, unacked } }. */
  async queues() {
    const { stdout } = await run(`${bin}/rabbitmqctl`, ['list_queues', '-q', '--no-table-headers', 'name', 'messages_ready', 'messages_unacknowledged'],
      { env: this.env, timeout: 30_000, cwd: this.dir });
    const out = {};
    for (const line of stdout.split('\n')) {
      const [name, ready, unacked] = line.trim().split(/\s+/);
      if (name) out[name] = { ready: Number(ready), unacked: Number(unacked) };
    }
    return out;
  }

  /** Stops the broker (the data directory stays, so boot() brings the same queues back). */
  async stop() {
    if (!this.server) return;
    const pidFile = this.env.RABBITMQ_PID_FILE;
    const exited = this.server.exitCode !== null ? Promise.resolve() : new Promise((r) => this.server.once('exit', r));
    try {
      await run(`${bin}/rabbitmqctl`, ['stop', pidFile], { env: this.env, timeout: 60_000, cwd: this.dir });
    } catch {
      this.killServer();
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    this.killServer();
    this.server = null;
  }

  /** Stops everything and removes the directory. */
  async close() {
    await this.stop();
    this.killNow();
    rmSync(this.dir, { recursive: true, force: true });
  }

  killServer() {
    try {
      const pid = Number(readFileSync(this.env.RABBITMQ_PID_FILE, 'utf8'));
      if (pid > 0) process.kill(pid, 'SIGKILL');
    } catch { /* gone */ }
    try { if (this.server) process.kill(-this.server.pid, 'SIGKILL'); } catch { /* gone */ }
  }

  killNow() {
    if (this.server) this.killServer();
    try { this.epmd?.kill('SIGKILL'); } catch { /* gone */ }
    live.delete(this);
  }
}
