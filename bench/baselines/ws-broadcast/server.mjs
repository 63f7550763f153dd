// The fan-out baseline: a broadcast server as a team would hand-write it with the `ws` package.
//
//   node server.mjs --port 0 --host 127.0.0.1 --interval 100ms --payload FILE [--wait-for N]
//
// Every interval it sends the payload (a captured tallyhub broadcast: SignalR JSON records, each
// ending in 0x1e) to every connected client: one text message per client per interval. Before each
// broadcast every `"Timestamp":"..."` value is set to the current time (ISO 8601 UTC with
// milliseconds), so tallyhub-load --raw measures tick-to-receipt latency the same way as against
// tallyhub. The text is encoded once per broadcast and the same Buffer goes to every client (what
// ws's own broadcast example does, plus the obvious "encode once"). No negotiate, no handshake:
// clients just connect and listen; anything they send is ignored. With --wait-for N the broadcasts
// start once N clients are connected (a benchmark harness's choice, not the application's: a loop
// busy broadcasting to thousands every 10 ms starves its own accepts).
//
// Prints `listening on ws://HOST:PORT/` once ready. SIGUSR2 prints a stats line; SIGTERM/SIGINT
// close the clients and exit 0, printing the stats line.
import { readFileSync } from 'node:fs';
import { WebSocketServer, WebSocket } from 'ws';

const options = { port: '0', host: '127.0.0.1', interval: '100ms', payload: '', 'wait-for': '0' };
for (let i = 2; i < process.argv.length; i++) {
  const key = process.argv[i].replace(/^--/, '');
  if (!(key in options) || i + 1 >= process.argv.length) usage(`unknown or incomplete option ${process.argv[i]}`);
  options[key] = process.argv[++i];
}
if (!options.payload) usage('--payload FILE is required');

function usage(message) {
  console.error(`ws-broadcast: ${message}`);
  console.error('usage: node server.mjs --port 0 --host 127.0.0.1 --interval 100ms --payload FILE [--wait-for N]');
  process.exit(2);
}

/** "100ms", "1s", "10ms" -> milliseconds */
function durationMs(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text);
  if (!m) usage(`bad duration: ${text}`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

const intervalMs = durationMs(options.interval);
const waitFor = Number(options['wait-for']);
let started = waitFor === 0;
// Split around the timestamp values once; each broadcast joins the pieces with the current time.
const template = readFileSync(options.payload, 'utf8').split(/(?<="Timestamp":")[^"]*(?=")/);
const stats = { broadcasts: 0, sends: 0, bytes: 0, busy_ms: 0, started: Date.now() };

const wss = new WebSocketServer({ host: options.host, port: Number(options.port), perMessageDeflate: false });
wss.on('connection', (socket) => {
  socket.on('error', () => {});   // a client that vanishes is not the server's problem
});
wss.on('listening', () => {
  const { address, port } = wss.address();
  console.log(`listening on ws://${address}:${port}/`);
});
wss.on('error', (err) => {
  console.error(`ws-broadcast: ${err.message}`);
  process.exit(1);
});

function broadcast() {
  if (!started && wss.clients.size < waitFor) return;
  started = true;
  const t0 = performance.now();
  const payload = Buffer.from(template.join(new Date().toISOString()), 'utf8');
  for (const client of wss.clients) {
    if (client.readyState !== WebSocket.OPEN) continue;
    client.send(payload, { binary: false });
    stats.sends++;
    stats.bytes += payload.length;
  }
  stats.broadcasts++;
  stats.busy_ms += performance.now() - t0;   // time in the send loop (writes that complete at once)
}
const timer = setInterval(broadcast, intervalMs);

function printStats() {
  const seconds = (Date.now() - stats.started) / 1000;
  console.log(`stats ${JSON.stringify({ ...stats, started: undefined, busy_ms: Math.round(stats.busy_ms),
    clients: wss.clients.size, seconds,
    sends_per_second: Math.round(stats.sends / seconds), rss_kb: Math.round(process.memoryUsage().rss / 1024) })}`);
}

function shutdown() {
  clearInterval(timer);
  printStats();
  for (const client of wss.clients) client.terminate();
  wss.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGUSR2', printStats);
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
