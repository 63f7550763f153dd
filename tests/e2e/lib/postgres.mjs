// A private PostgreSQL 15 cluster for one test file: initdb into a temporary directory (as the
// `postgres` user when we are root: initdb refuses root), the postmaster on a free 127.0.0.1 port
// with its socket in that directory, trust authentication; `sql(text)` runs psql against it.
// stop() / start() restart it on the same port and data.
import { spawn, execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, chownSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './rabbitmq.mjs';

const run = promisify(execFile);
const bin = '/usr/lib/postgresql/15/bin';

function asPostgres(cmd, args) {
  return process.getuid() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

export class Postgres {
  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'tallyhub-pg-'));
    if (process.getuid() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(this.dir, uid, gid);
    }
    this.port = 0;
    this.child = null;
  }

  /** A libpq URI for the `postgres` database over TCP on loopback. */
  get url() { return `postgresql://postgres@127.0.0.1:${this.port}/postgres`; }

  async init() {
    const [cmd, args] = asPostgres(`${bin}/initdb`, ['-D', `${this.dir}/data`, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8',
      '--locale=C', '--no-sync', '--no-instructions']);
    await run(cmd, args, { cwd: this.dir, timeout: 60_000 });
    this.port = await freePort();
    await this.start();
    return this;
  }

  async start() {
    const [cmd, args] = asPostgres(`${bin}/postgres`, ['-D', `${this.dir}/data`, '-k', this.dir, '-p', String(this.port),
      '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=20', '-c', 'shared_buffers=16MB']);
    this.child = spawn(cmd, args, { cwd: this.dir, stdio: 'ignore' });
    for (let i = 0; i < 300; ++i) {
      try {
        await this.sql('select 1');
        return;
      } catch { /* starting */ }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`postgres did not start on 127.0.0.1:${this.port}`);
  }

  /** Runs SQL with psql; returns the rows as text lines (fields separated by |). */
  async sql(text) {
    const { stdout } = await run(`${bin}/psql`, ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-d', 'postgres',
      '-At', '-v', 'ON_ERROR_STOP=1', '-c', text], { timeout: 10_000 });
    return stdout.trim().split('\n').filter((l) => l.length > 0);
  }

  /** Fast shutdown: SIGINT to the postmaster (by the pid in postmaster.pid: runuser does not forward it). */
  async stop() {
    if (!this.child) return;
    let pid = 0;
    try { pid = Number(readFileSync(`${this.dir}/data/postmaster.pid`, 'utf8').split('\n')[0]); } catch { /* gone */ }
    const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
    if (pid > 0) {
      process.kill(pid, 'SIGINT');
      for (let i = 0; i < 200 && alive(); ++i) await new Promise((r) => setTimeout(r, 50));
      if (alive()) process.kill(pid, 'SIGKILL');
    }
    this.child = null;
  }

  async close() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
