// Captures a real tallyhub broadcast, byte for byte, so the ws baseline sends the same payload.
//
//   node bench/baselines/capture-payload.mjs ws://127.0.0.1:PORT/hubs/metrics FILE [--samples N] [--timeout 10s]
//
// Connects the way a SignalR client that skips negotiation does: a WebSocket to the hub, the JSON
// handshake `{"protocol":"json","version":1}\x1e`, then it reads the hub's messages. Skipped: the
// handshake reply `{}\x1e`, ping records `{"type":6}\x1e`, and the state a new connection is sent
// once (ReceiveCurrentMetrics; tallyhub coalesces it with the handshake reply). What is left are tick
// broadcasts: one WebSocket message with every record of one tick (ReceiveMetricsUpdate, ...), each
// ending in 0x1e. Of the first N (--samples, 1) the one with the median record count (the first such)
// is written to FILE, so the baseline sends a typical broadcast. Prints its size and records.
// Uses the `ws` package of bench/baselines/ws-broadcast (npm ci there first). Exit 1 on timeout.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';

const require = createRequire(new URL('./ws-broadcast/package.json', import.meta.url));
const WebSocket = require('ws');

const RS = '\x1e';
const options = { samples: '1', timeout: '10s' };
const positional = [];
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i];
  if (arg.startsWith('--') && arg.slice(2) in options) options[arg.slice(2)] = process.argv[++i];
  else positional.push(arg);
}
const [url, file] = positional;
const samples = Number(options.samples);
if (!url || !file || !(samples >= 1)) {
  console.error('usage: node capture-payload.mjs ws://HOST:PORT/hubs/metrics FILE [--samples N] [--timeout 10s]');
  process.exit(2);
}

/** "10s", "500ms" -> milliseconds */
function durationMs(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text ?? '');
  if (!m) throw new Error(`bad duration: ${text}`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

const ws = new WebSocket(url);
const timer = setTimeout(() => {
  console.error(`capture-payload: ${broadcasts.length} of ${samples} broadcasts from ${url} within ${options.timeout}`);
  process.exit(1);
}, durationMs(options.timeout));
const broadcasts = [];   // {data, records}

ws.on('open', () => ws.send(`{"protocol":"json","version":1}${RS}`));
ws.on('message', (data) => {
  const records = data.toString('utf8').split(RS).filter((r) => r.length > 0);
  const refused = records.find((r) => !r.includes('"type"') && r.includes('"error"'));
  if (refused) {
    console.error(`capture-payload: handshake refused: ${refused}`);
    process.exit(1);
  }
  const invocations = records.filter((r) => /"type":1[,}]/.test(r));
  if (invocations.length === 0 || invocations.some((r) => r.includes('"target":"ReceiveCurrentMetrics"'))) return;
  if (invocations.length !== records.length) return;   // not a plain tick broadcast
  broadcasts.push({ data, records });
  if (broadcasts.length < samples) return;
  clearTimeout(timer);
  const counts = broadcasts.map((b) => b.records.length).sort((a, b) => a - b);
  const median = counts[Math.floor((counts.length - 1) / 2)];
  const chosen = broadcasts.find((b) => b.records.length === median);
  writeFileSync(file, chosen.data);
  const methods = [...new Set(chosen.records.map((r) => /"target":"([^"]*)"/.exec(r)?.[1]))];
  console.log(`captured ${chosen.data.length} bytes, ${median} records (${methods.join(', ')}); ` +
              `records per broadcast in ${samples}: ${counts[0]}-${counts[counts.length - 1]} -> ${file}`);
  ws.close(1000);
});
ws.on('close', () => process.exit(broadcasts.length >= samples ? 0 : 1));
ws.on('error', (err) => {
  console.error(`capture-payload: ${url}: ${err.message}`);
  process.exit(1);
});
