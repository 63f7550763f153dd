// Ingest through RabbitMQ (part of bench/amqp/run.sh): RabbitMQ 3.10's own limit as context, then
// tallyhub consuming the same queue. A private broker on free loopback ports (tests/e2e/lib).
//   1. tallyhub-send publishes N durable events to a durable queue, unsettled (RabbitMQ accepts
//      each after writing it): RabbitMQ's publish rate;
//   2. tallyhub (--cores 1, --amqp-credit C) consumes the queue: events/s applied and settled, from
//      attach to the last event applied.
// Prints one JSON line. Environment: BENCH_RMQ_EVENTS (200000), BENCH_RMQ_CREDIT (5000), TALLYHUB_BIN.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { RabbitMQ } from '../../tests/e2e/lib/rabbitmq.mjs';
import { startServer } from '../../tests/e2e/lib/server.mjs';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.env.TALLYHUB_BIN || path.join(here, '..', '..', 'build', 'cmake-release', 'tallyhub');
const send = path.join(path.dirname(bin), 'tallyhub-send');
const n = Number(process.env.BENCH_RMQ_EVENTS || 200_000);
const credit = Number(process.env.BENCH_RMQ_CREDIT || 5_000);

const broker = await new RabbitMQ().start();
let server;
try {
  const { stdout } = await run('taskset', ['-c', '1', send, broker.url('/queue/bench'), '--orders', String(n), '--durable', '--json',
    '--timeout', '300'], { maxBuffer: 1 << 20 });
  const published = JSON.parse(stdout.trim().split('\n').pop());
  if (published.accepted !== n) throw new Error(`RabbitMQ accepted ${published.accepted} of ${n}: ${stdout}`);
  const t0 = Date.now();
  server = await startServer({ cores: 1, testHub: false, env: {},
    args: ['--amqp-url', broker.url('/amq/queue/bench'), '--amqp-credit', String(credit), '--amqp-listen', 'off'] });
  let applied = 0;
  while (applied < n && Date.now() - t0 < 300_000) {
    await new Promise((r) => setTimeout(r, 50));
    applied = await server.metric('tallyhub_events_applied_total', { type: 'OrderCreated' });
  }
  const seconds = (Date.now() - t0) / 1000;
  const q = (await broker.queues()).bench;
  console.log(JSON.stringify({ events: n, credit, rabbitmq_publish_per_s: published.rate, tallyhub_consume_per_s: Math.round(applied / seconds),
    applied, consume_s: seconds, queue_after: q }));
} finally {
  await server?.close();
  await broker.close();
}
