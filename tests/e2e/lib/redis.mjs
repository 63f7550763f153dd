// A private redis-server for one test file: 127.0.0.1 on a free port, no persistence, its own
// temporary directory; `cli(...args)` runs redis-cli against it.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './rabbitmq.mjs';

const run = promisify(execFile);

export class Redis {
  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'tallyhub-redis-'));
    this.port = 0;
    this.child = null;
  }

  get url() { return `redis://127.0.0.1:${this.port}/0`; }

  async start() {
    if (!this.port) this.port = await freePort();
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', this.dir], { stdio: 'ignore' });
    for (let i = 0; i < 100; ++i) {
      try {
        if ((await this.cli('PING')).trim() === 'PONG') return this;
      } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not answer on 127.0.0.1:${this.port}`);
  }

  async cli(...args) {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), ...args], { timeout: 5_000 });
    return stdout;
  }

  async stop() {
    if (!this.child) return;
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    this.child = null;
  }

  async close() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
