// Regenerates the generated part of bench/RESULTS.md (between `<!-- generated: begin -->` and
// `<!-- generated: end -->`) from the scenario results in bench/results/*.json, and draws the
// charts it links (bench/results/*.svg, with gnuplot). Run by `make bench` after every scenario;
// by hand: `node bench/report.mjs [--results DIR] [--out FILE] [--no-charts]`.
//
// One section per scenario: environment, exact commands, a table of medians with min-max, ratios
// against the baseline of the same run, and the issue's targets, met or missed. Every number comes
// from the JSON; nothing is typed in by hand. Node.js 20, no dependencies.
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const opts = { results: path.join(here, 'results'), out: path.join(here, 'RESULTS.md'), charts: true };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--results') opts.results = path.resolve(process.argv[++i]);
  else if (a === '--out') opts.out = path.resolve(process.argv[++i]);
  else if (a === '--no-charts') opts.charts = false;
  else { console.error(`usage: node bench/report.mjs [--results DIR] [--out FILE] [--no-charts]`); process.exit(2); }
}
const BEGIN = '<!-- generated: begin -->', END = '<!-- generated: end -->';

// ---- formatting ----
const num = (x, digits = 0) => (x == null || !Number.isFinite(Number(x)) ? '–'
  : Number(x).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const range = (lo, hi, digits = 0) => (lo == null ? '–' : lo === hi ? num(lo, digits) : `${num(lo, digits)}–${num(hi, digits)}`);
const spread = (m, lo, hi, digits = 0) => (lo == null || lo === hi ? num(m, digits) : `${num(m, digits)} (${range(lo, hi, digits)})`);
const runs = (n) => `${n} run${n === 1 ? '' : 's'}`;
const ratio = (x) => (x == null ? '–' : `${num(x, 2)}×`);
const verdict = (ok) => (ok == null ? 'not measured' : ok ? '**met**' : '**missed**');
const table = (head, rows) => [`| ${head.map((h) => h[0]).join(' | ')} |`,
  `|${head.map((h) => (h[1] === 'r' ? '---:' : '---')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const median = (xs) => { const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const minmax = (xs) => { const s = xs.filter((x) => x != null); return s.length ? [Math.min(...s), Math.max(...s)] : [null, null]; };

/** The environment line of a result file: new files have `environment`, older ones top-level fields. */
function environment(doc) {
  const e = doc.environment ?? doc;
  const parts = [`measured ${e.date ?? 'at an unknown date'}`];
  if (e.commit) parts.push(`commit \`${e.commit}\``);
  if (e.tallyhub) parts.push(e.tallyhub);
  const machine = [e.cpu, e.cores ?? e.host_cpus ? `${e.cores ?? e.host_cpus} cores` : null, e.kernel ? `kernel ${e.kernel}` : null]
    .filter(Boolean).join(', ');
  if (machine) parts.push(machine);
  if (e.loadavg_at_start) parts.push(`load average ${e.loadavg_at_start} at the start${e.loadavg_at_end ? `, ${e.loadavg_at_end} at the end` : ''}`);
  if (e.node) parts.push(`Node.js ${e.node}`);
  return `Environment: ${parts.join('; ')}.`;
}
function commands(doc) {
  const scripts = { 'signalr-connect': 'bench/signalr/run.sh', 'amqp-ingest': 'bench/amqp/run.sh' };
  const lines = [`Command: \`${doc.command ?? scripts[doc.scenario] ?? `bench/${doc.scenario}/run.sh`}\``];
  if (doc.commands?.length) lines.push('', 'What it runs:', '', ...doc.commands.map((c) => `- \`${c}\``));
  return lines.join('\n');
}

// ---- charts (gnuplot) ----
const charts = [];   // [file, gnuplot script]
/** A line chart of series [{title, points: [[x, y, lo, hi]], dashed}], queued for gnuplot. */
function lineChart(file, { title, xlabel, ylabel, logx = true, logy = false, series }) {
  series = series.filter((s) => s.points.some((p) => p[1] != null));
  if (!opts.charts || series.length === 0) return null;
  const blocks = series.map((s, i) => `$d${i} << EOD\n${s.points.filter((p) => p[1] != null)
    .map((p) => p.map((v, j) => v ?? p[1]).join(' ')).join('\n')}\nEOD`);
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
  const plots = series.map((s, i) => `$d${i} using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.6 dt ${s.dashed ? 2 : 1} ` +
    `lc rgb '${palette[(s.color ?? i) % palette.length]}' title ${JSON.stringify(s.title)}`);
  charts.push([file, [
    "set terminal svg size 760,420 font 'sans,11' background rgb 'white'",
    `set output ${JSON.stringify(path.join(opts.results, file))}`,
    ...blocks,
    `set title ${JSON.stringify(title)}`, `set xlabel ${JSON.stringify(xlabel)}`, `set ylabel ${JSON.stringify(ylabel)}`,
    logx ? 'set logscale x' : '', logy ? 'set logscale y' : '', 'set grid', 'set key outside right top',
    'set autoscale xfix', 'set offsets graph 0.08, graph 0.08, graph 0.05, 0', 'set yrange [0:*]',
    'set format y "%.0s%c"', 'set xtics ("1k" 1000, "2k" 2000, "5k" 5000, "10k" 10000, "20k" 20000, "100" 100, "200" 200, "500" 500)',
    `plot ${plots.join(', \\\n     ')}`, 'unset output'].join('\n')]);
  return path.relative(path.dirname(opts.out), path.join(opts.results, file));
}
function drawCharts() {
  for (const [file, script] of charts) {
    const r = spawnSync('gnuplot', [], { input: script, encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      console.error(`report: gnuplot failed on ${file}: ${r.error?.message ?? r.stderr}`);
      process.exitCode = 1;
    }
  }
}

// ---- scenarios ----
const TARGET_N = 10000;

function fanout(doc) {
  const g = doc.groups, servers = [...new Set(g.map((x) => x.server))];
  const intervals = [...new Set(g.map((x) => x.interval_ms))].sort((a, b) => b - a);
  const out = ['## Fan-out: broadcasts to many connections', '', commands(doc), '', environment(doc), '',
    `Each case: ${runs(doc.settings.runs)} of ${doc.settings.warmup_s} s warm-up + ${doc.settings.duration_s} s measured; ` +
    `demo source at ${num(doc.settings.demo_rate)} events/s; the baseline sends a captured tallyhub broadcast ` +
    `(${Object.entries(doc.settings.baseline_payloads ?? {}).map(([k, v]) => `${k}: ${num(v.bytes)} bytes, ${v.records} records`).join('; ')}) ` +
    `with ws ${doc.settings.baseline_ws}. Medians, min–max in brackets; "vs baseline" divides tallyhub's median by the baseline's.`, ''];
  const rows = [...g].sort((a, b) => a.interval_ms - b.interval_ms || a.connections - b.connections || a.server.localeCompare(b.server))
    .map((x) => {
      const m = x.median, failed = x.failed_runs ? ` (${x.failed_runs} of ${x.runs.length} runs failed)` : '';
      if (x.failed_runs === x.runs.length) {
        const est = x.runs.map((r) => r.report?.connect?.established).filter((v) => v != null);
        return [x.server, num(x.connections), `${x.interval_ms} ms`, `failed: ${num(Math.max(...est, 0))} of ${num(x.connections)} connected`,
          '–', '–', '–', '–', '–', '–', '–', '–', '–'];
      }
      return [x.server + failed, num(x.connections), `${x.interval_ms} ms`,
        spread(m.messages_per_second, x.min.messages_per_second, x.max.messages_per_second),
        spread(m.frames_per_second, x.min.frames_per_second, x.max.frames_per_second), `${num(m.schedule_pct)} %`,
        num(m.frames_per_core_second), `${num(m.p50_ms)} / ${num(m.p99_ms)} / ${num(m.p999_ms)}`, num(m.max_ms),
        spread(m.server_cpu_pct, x.min.server_cpu_pct, x.max.server_cpu_pct, 1), num(m.client_cpu_pct, 1),
        ...(x.ratio_vs_baseline ? [ratio(x.ratio_vs_baseline.messages_per_second), ratio(x.ratio_vs_baseline.frames_per_second)]
          : x.server === 'tallyhub' ? ['–', '–'] : ['baseline', 'baseline'])];
    });
  out.push(table([['server'], ['connections', 'r'], ['interval', 'r'], ['hub messages/s', 'r'], ['frames/s', 'r'],
    ['of schedule', 'r'], ['frames/s per server core', 'r'], ['latency p50 / p99 / p99.9 ms', 'r'], ['max ms', 'r'],
    ['server CPU %', 'r'], ['load CPU %', 'r'], ['messages/s vs baseline', 'r'], ['frames/s vs baseline', 'r']], rows), '');
  out.push('"Frames" are WebSocket messages received (one per broadcast per connection: the server\'s socket sends); ' +
    '"of schedule" is frames/s over connections ÷ interval; "per server core" divides frames/s by the server\'s CPU share. ' +
    'Latency runs from the record\'s `Timestamp` (the tick) to its receipt, at 1 ms resolution. A tallyhub broadcast ' +
    'carries every record since the last one, the baseline a fixed captured one, so when tallyhub sends fewer broadcasts ' +
    'than its interval asks for, its messages per frame grow: compare frames/s for the cost of fan-out.', '');

  // Targets of issue 8, at 10,000 connections.
  const at = (server, ms) => g.find((x) => x.server === server && x.connections === TARGET_N && x.interval_ms === ms);
  const t = ['Targets (issue 8), tallyhub at 10,000 connections:', ''];
  for (const ms of intervals) {
    const th = at('tallyhub', ms), base = at('ws-baseline', ms);
    if (!th) { t.push(`- ${ms} ms: not measured at ${num(TARGET_N)} connections.`); continue; }
    let r = th.ratio_vs_baseline?.messages_per_second;
    const baseFailed = base && base.failed_runs === base.runs.length;
    t.push(`- ${ms} ms, hub messages/s ≥ 10× the ws baseline: ${baseFailed
      ? `the baseline could not hold ${num(TARGET_N)} connections, so no ratio (tallyhub: ${num(th.median.messages_per_second)}/s)`
      : `${ratio(r)}: ${verdict(r == null ? null : r >= 10)}`}` +
      (th.median.schedule_pct >= 95 && base?.median.schedule_pct >= 95
        ? ' (both deliver every broadcast at this interval: the schedule bounds the ratio, not the servers)' : '') + '.');
    t.push(`- ${ms} ms, p99 tick-to-receipt ≤ 60 ms: ${num(th.median.p99_ms)} ms: ${verdict(th.median.p99_ms == null ? null : th.median.p99_ms <= 60)}.`);
    const pc = th.median.frames_per_core_second;
    t.push(`- ${ms} ms, ≥ 90,000 socket sends/s per server core: ${num(pc)}: ${verdict(pc == null ? null : pc >= 90000)}` +
      ` (${num(th.median.frames_per_second)} frames/s at ${num(th.median.server_cpu_pct, 1)} % CPU).`);
  }
  out.push(...t, '');

  const links = [];
  const byServer = (metric) => servers.flatMap((s) => intervals.map((ms, i) => ({
    title: `${s} ${ms} ms`, dashed: s !== 'tallyhub', color: i,
    points: g.filter((x) => x.server === s && x.interval_ms === ms).sort((a, b) => a.connections - b.connections)
      .map((x) => [x.connections, x.median[metric], x.min[metric], x.max[metric]]) })));
  const frames = lineChart('fanout-frames.svg', { title: 'Frames (socket sends) per second, server on one core',
    xlabel: 'connections', ylabel: 'frames/s', series: byServer('frames_per_second') });
  if (frames) links.push(`![frames/s vs connections](${frames})`);
  for (const ms of intervals) {
    const series = servers.flatMap((s) => [['p50_ms', 'p50'], ['p99_ms', 'p99'], ['p999_ms', 'p99.9']].map(([k, label], i) => ({
      title: `${s} ${label}`, dashed: s !== 'tallyhub', color: i,
      points: g.filter((x) => x.server === s && x.interval_ms === ms).sort((a, b) => a.connections - b.connections)
        .map((x) => [x.connections, x.median[k], x.min[k], x.max[k]]) })));
    const file = lineChart(`fanout-latency-${ms}ms.svg`, { title: `Tick-to-receipt latency, broadcast every ${ms} ms`,
      xlabel: 'connections', ylabel: 'ms', series });
    if (file) links.push(`![latency percentiles vs connections, ${ms} ms](${file})`);
  }
  if (links.length) out.push(links.join('\n'), '');
  return out.join('\n');
}

function idle(doc) {
  const s = doc.settings, g = [...doc.groups].sort((a, b) => a.server.localeCompare(b.server) || a.connections - b.connections);
  const rows = g.map((x) => [x.server + (x.failed_runs ? ` (${x.failed_runs} of ${x.runs.length} runs failed)` : ''),
    num(x.connections), num(x.median.vmrss_baseline_kb), num(x.median.vmrss_kb),
    spread(x.median.bytes_per_connection, x.min.bytes_per_connection, x.max.bytes_per_connection),
    num(x.median.anon_bytes_per_connection), num(x.median.server_cpu_pct_idle, 1),
    verdict(x.median.bytes_per_connection == null ? null : x.median.bytes_per_connection <= s.target_bytes_per_connection)]);
  const chart = lineChart('idle-memory.svg', { title: 'User-space memory per idle SignalR connection', xlabel: 'idle connections',
    ylabel: 'bytes per connection (VmRSS)', series: [...new Set(g.map((x) => x.server))].map((server) => ({ title: server,
      points: g.filter((x) => x.server === server).map((x) => [x.connections, x.median.bytes_per_connection,
        x.min.bytes_per_connection, x.max.bytes_per_connection]) })) });
  return ['## Idle connections: memory per connection', '', commands(doc), '', environment(doc), '',
    `Hub \`${s.hub}\`, median of ${runs(s.runs)}, each on a fresh server: a ${s.warmup_connections}-connection warm-up sets ` +
    `the VmRSS baseline, then N connections (negotiate, upgrade, handshake) stay silent (keep-alive ${s.keep_alive_interval_s} s); ` +
    `bytes per connection = (VmRSS with them − baseline) / N. Open-file limit ${num(s.fd_limit)}.`, '',
    table([['server'], ['idle connections', 'r'], ['VmRSS baseline KiB', 'r'], ['VmRSS with idle KiB', 'r'],
      ['bytes per connection (VmRSS)', 'r'], ['(RssAnon)', 'r'], ['server CPU % while idle', 'r'],
      [`≤ ${num(s.target_bytes_per_connection)} bytes (issue 8)`]], rows), '',
    chart ? `![bytes per idle connection](${chart})\n` : ''].join('\n');
}

function storm(doc) {
  if (!doc.groups) return stormLegacy(doc);
  const g = [...doc.groups].sort((a, b) => a.server.localeCompare(b.server) || a.connections - b.connections || a.mode.localeCompare(b.mode));
  const rows = g.map((x) => [x.server + (x.failed_runs ? ` (${x.failed_runs} of ${x.runs.length} runs failed)` : ''),
    num(x.connections), x.mode, spread(x.median.connects_per_second, x.min.connects_per_second, x.max.connects_per_second),
    num(x.median.setup_p50_ms, 2), num(x.median.setup_p99_ms, 2), num(x.median.server_cpu_pct, 1),
    num(x.median.server_cpu_us_per_connection, 1)]);
  const limited = g.some((x) => x.median.server_cpu_pct != null && x.median.server_cpu_pct < 90);
  return ['## Connect storm: new SignalR connections per second', '', commands(doc), '', environment(doc), '',
    `Concurrency ${doc.settings.concurrency}, median of ${runs(doc.settings.runs)} (min–max in brackets), each on a fresh server; ` +
    'negotiate = `POST negotiate` + upgrade + handshake, on two TCP connections.', '',
    table([['server'], ['connections', 'r'], ['mode'], ['connects/s', 'r'], ['setup p50 ms', 'r'], ['setup p99 ms', 'r'],
      ['server CPU %', 'r'], ['server CPU µs per connect', 'r']], rows), '',
    limited ? 'Where server CPU is under 90 % the one-threaded load tool was the limit: compare CPU µs per connect.\n' : ''].join('\n');
}

/** signalr-connect.json as bench/signalr/run.sh wrote it with tallyhub-connect-load (idle + rate). */
function stormLegacy(doc) {
  const idleRows = doc.results.map((r) => [r.server, num(r.idle.established), num(r.idle.vmrss_baseline_kb), num(r.idle.vmrss_after_kb),
    num(r.idle.bytes_per_connection), num(r.idle.anon_bytes_per_connection)]);
  const rateRows = doc.results.flatMap((r) => r.connect.map((c) => {
    const [lo, hi] = minmax(c.runs.map((x) => x.load.connects_per_s));
    return [r.server, c.mode, spread(c.connects_per_s_median, lo, hi), num(c.p50_us_median / 1000, 2),
      num(c.p99_us_median / 1000, 2), num(c.server_cpu_pct_median, 1), num(c.server_cpu_us_per_connection_median, 1),
      num(c.load_cpu_pct_median, 1), num(c.failed)];
  }));
  return ['## SignalR connections (tallyhub-connect-load)', '', commands(doc), '', environment(doc), '',
    `Idle: ${num(doc.settings.idle)} negotiated connections held silent; user-space memory of the server:`, '',
    table([['server'], ['idle connections', 'r'], ['VmRSS baseline KiB', 'r'], ['VmRSS with idle KiB', 'r'],
      ['bytes per idle connection', 'r'], ['(RssAnon)', 'r']], idleRows), '',
    `New connections: ${num(doc.settings.rate)} per run, concurrency ${doc.settings.concurrency}, median of ${doc.settings.runs}:`, '',
    table([['server'], ['mode'], ['connects/s', 'r'], ['p50 ms', 'r'], ['p99 ms', 'r'], ['server CPU %', 'r'],
      ['server CPU µs per connect', 'r'], ['load tool CPU %', 'r'], ['failed', 'r']], rateRows), ''].join('\n');
}

function http(doc) {
  const base = (t) => doc.results.find((r) => r.server === 'nginx' && r.target === t);
  const rows = doc.results.map((r) => {
    const [lo, hi] = minmax(r.runs.map((x) => x.rps)), b = base(r.target);
    return [r.server, r.target, spread(r.rps_median, lo, hi), num(r.p99_us_median), num(r.cpu_pct_median, 1),
      num(r.wrk_cpu_pct_median, 1), b ? ratio(r.rps_median / b.rps_median) : '–'];
  });
  const w = doc.wrk;
  return ['## HTTP: tallyhub against nginx', '', commands(doc), '', environment(doc), '',
    `\`wrk -t${w.threads} -c${w.connections} -d${w.duration_s}s\`, median of ${w.runs} (min–max in brackets); server pinned to ` +
    `core 0 with \`--cores 1\`, wrk on core 1; a ${num(doc.static_file_bytes)}-byte static file and \`GET /healthz\`; nginx ` +
    `${doc.nginx} (one worker, access log off) serves the same file.`, '',
    table([['server'], ['target'], ['req/s', 'r'], ['p99 µs', 'r'], ['server CPU %', 'r'], ['wrk CPU %', 'r'],
      ['req/s vs nginx', 'r']], rows), ''].join('\n');
}

function amqp(doc) {
  const rows = doc.results.map((r) => [num(r.credit), r.store, r.mode, num(r.events), num(r.events_per_s_median), range(r.min, r.max),
    num(r.server_cpu_pct_median), r.commit_ms_p50_last_run === '-' ? '–' : `${r.commit_ms_p50_last_run} / ${r.commit_ms_p99_last_run} ms`]);
  const best = (store, mode) => doc.results.filter((r) => r.store === store && r.mode === mode)
    .reduce((a, r) => (a == null || r.events_per_s_median > a.events_per_s_median ? r : a), null);
  const t = ['Targets (AMQP issues), at the largest credit:', ''];
  for (const mode of ['unsettled', 'settled']) {
    const off = best('off', mode);
    if (off) t.push(`- ${mode}, in memory, ≥ 1,000,000 events/s: ${num(off.events_per_s_median)}: ${verdict(off.events_per_s_median >= 1e6)}.`);
    for (const [store, name, target] of [['journal', 'journal', 0.8], ['postgres', 'PostgreSQL', 0.5]]) {
      const s = best(store, mode);
      if (!off || !s) continue;
      const r = s.events_per_s_median / off.events_per_s_median;
      t.push(`- ${mode}, ${name} ≥ ${num(100 * target)} % of in-memory: ${num(100 * r)} %: ${verdict(r >= target)}.`);
    }
  }
  const rmq = doc.rabbitmq ?? [];
  const rmqText = rmq.length ? [`Through RabbitMQ (\`bench/amqp/rabbitmq.mjs\`, ${rmq.length} runs of ${num(rmq[0].events)} durable events, ` +
    `credit ${num(rmq[0].credit)}): RabbitMQ accepts ${range(...minmax(rmq.map((x) => x.rabbitmq_publish_per_s)))} events/s, tallyhub ` +
    `consumes the filled queue at ${range(...minmax(rmq.map((x) => x.tallyhub_consume_per_s)))} events/s ` +
    `(applied: ${rmq.map((x) => num(x.applied)).join(', ')}).`, ''] : [];
  return ['## AMQP ingest through the listener', '', commands(doc), '', environment(doc), '',
    `tallyhub \`--cores 1\` on core 0, \`--tick ${doc.tick_ms}ms\`; \`tallyhub-send\` on core 1; median of the runs, min–max; ` +
    'commit p50 / p99: the durable commit of one tick, from the `tallyhub_commit_latency_seconds` summary (last run).', '',
    table([['`--amqp-credit`', 'r'], ['store'], ['mode'], ['events', 'r'], ['events/s applied (and settled)', 'r'], ['min–max'],
      ['server CPU %', 'r'], ['commit p50 / p99']], rows), '', ...t, '', ...rmqText].join('\n');
}

// ---- main ----
const renderers = { fanout, idle, 'signalr-connect': storm, 'amqp-ingest': amqp, http };
const order = Object.keys(renderers);
const docs = readdirSync(opts.results).filter((f) => f.endsWith('.json')).sort().map((f) => {
  try { return { file: f, doc: JSON.parse(readFileSync(path.join(opts.results, f), 'utf8')) }; }
  catch (err) { console.error(`report: ${f}: ${err.message}`); process.exitCode = 1; return null; }
}).filter(Boolean);
docs.sort((a, b) => (order.indexOf(a.doc.scenario) + 1 || 99) - (order.indexOf(b.doc.scenario) + 1 || 99));

const sections = docs.map(({ file, doc }) => {
  const render = renderers[doc.scenario];
  if (!render) return `## ${doc.scenario ?? file}\n\n\`bench/results/${file}\`: no renderer in bench/report.mjs yet.\n`;
  try { return `${render(doc).trimEnd()}\n\nData: \`${path.relative(path.dirname(opts.out), path.join(opts.results, file))}\`.\n`; }
  catch (err) { console.error(`report: ${file}: ${err.stack}`); process.exitCode = 1; return `## ${doc.scenario}\n\n(report failed: ${err.message})\n`; }
});
const generated = [BEGIN, '', '<!-- Written by `node bench/report.mjs` from bench/results/*.json; edits here are overwritten. -->', '',
  sections.join('\n'), END].join('\n');

const text = readFileSync(opts.out, 'utf8');
const [b, e] = [text.indexOf(BEGIN), text.indexOf(END)];
if (b < 0 || e < b) { console.error(`report: ${opts.out} has no ${BEGIN} ... ${END} markers`); process.exit(1); }
writeFileSync(opts.out, text.slice(0, b) + generated + text.slice(e + END.length));
drawCharts();
console.log(`report: ${path.relative(process.cwd(), opts.out)} from ${docs.length} result files` +
  (charts.length ? `, ${charts.length} charts in ${path.relative(process.cwd(), opts.results)}` : ''));
