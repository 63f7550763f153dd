// Orders/s and revenue/s over the sliding window, for the live charts. DOM-free.
//
// Where the points come from:
//   1. ReceiveCurrentMetrics sets the baseline: totals at server time t0.
//   2. Each ReceiveMetricsUpdate adds one point at its Timestamp T: the change of the totals since the
//      previous update divided by the time between them, a rate that conflation cannot distort
//      (totals, not events). The server sends that update only on broadcast ticks in which orders
//      changed, so a gap of several ticks means those ticks had none: the chart drops to zero
//      across the gap instead of drawing a slope through it.
//   3. GetHistory(window) on (re)connect back-fills the seconds before t0 from the server's own
//      per-second buckets, so a reload or a reconnect never starts from an empty chart. A bucket
//      [s, s+1) is plotted at s+1, the end of the interval it counts, like a live point; buckets that
//      end after t0 overlap the live points and are dropped.
// All times are the server's (milliseconds in, seconds out for uPlot), so a skewed client clock
// does not bend the chart.

import { type HistoryPoint, num, timeOf } from './payloads.js';

/** Parallel arrays as uPlot takes them: x in epoch seconds, then orders/s and revenue/s. */
export type SeriesData = [xs: number[], orders: number[], revenue: number[]];

export interface SeriesSummary {
  latest: number;
  peak: number;
  average: number;
  points: number;
}

interface Totals {
  t: number;      // server time, ms
  orders: number;
  revenue: number;
}

export class RateSeries {
  private xs: number[] = [];       // point times, ms
  private orders: number[] = [];   // orders per second
  private revenue: number[] = [];  // revenue per second
  private last: Totals | null = null;
  private baselineMs = Number.NaN;
  private lastTickMs = Number.NaN;
  /** The shortest gap seen between two broadcast ticks: the broadcast interval. */
  private tickMs = Number.NaN;
  private version_ = 0;
  // The newest point covers (openStartMs, its time]; updates closer together than the resolution
  // extend it instead of adding points (10 ms broadcasts would otherwise hold 30,000 per window).
  private openStartMs = Number.NaN;
  private openOrders = 0;
  private openRevenue = 0;

  constructor(private windowSeconds = 300, private readonly resolutionMs = 250) {}

  /** Grows on every change; a renderer compares it with the one it drew. */
  get version(): number { return this.version_; }
  get window(): number { return this.windowSeconds; }
  get length(): number { return this.xs.length; }
  /** The broadcast interval in ms as observed, or NaN before two ticks were seen. */
  get tickInterval(): number { return this.tickMs; }

  setWindow(seconds: number): void {
    if (!(seconds >= 1) || seconds === this.windowSeconds) return;
    this.windowSeconds = seconds;
    this.trim();
    this.version_++;
  }

  /** A broadcast tick's server time (any of the metrics, payment or window updates). */
  observeTick(ms: number): void {
    if (!Number.isFinite(ms)) return;
    const gap = ms - this.lastTickMs;
    if (gap >= 10 && !(gap >= this.tickMs)) this.tickMs = gap;  // NaN-safe minimum
    if (!(ms <= this.lastTickMs)) this.lastTickMs = ms;
  }

  /** ReceiveCurrentMetrics: the totals the next update's change is measured from. */
  setBaseline(ms: number, orders: number, revenue: number): void {
    if (!Number.isFinite(ms)) return;
    this.last = { t: ms, orders: num(orders), revenue: num(revenue) };
    this.baselineMs = ms;
  }

  /**
   * ReceiveMetricsUpdate: appends the rate since the previous totals. Returns the change (for the
   * new-order toast), or null when there is no baseline, the update is stale, or the totals went
   * down (the server restarted: they become the new baseline).
   */
  addTotals(ms: number, orders: number, revenue: number): { orders: number; revenue: number } | null {
    if (!Number.isFinite(ms)) return null;
    this.observeTick(ms);
    const prev = this.last;
    const now: Totals = { t: ms, orders: num(orders), revenue: num(revenue) };
    if (!prev || ms <= prev.t) {
      if (!prev) this.last = now;
      return null;
    }
    this.last = now;
    const dOrders = now.orders - prev.orders;
    const dRevenue = now.revenue - prev.revenue;
    if (dOrders < 0) {
      this.baselineMs = ms;
      return null;
    }
    const dt = ms - prev.t;
    const tick = this.tickMs;
    if (Number.isFinite(tick) && dt > 1.5 * tick) {
      // Ticks without an update had no orders: zero from the tick after prev to the tick before now.
      this.push(prev.t + tick, 0, 0);
      if (ms - tick > prev.t + tick) this.push(ms - tick, 0, 0);
      this.push(ms, (dOrders * 1000) / tick, (dRevenue * 1000) / tick);
      this.open(ms - tick, dOrders, dRevenue);
    } else if (ms - this.openStartMs < this.resolutionMs && this.xs[this.xs.length - 1] === prev.t) {
      this.openOrders += dOrders;
      this.openRevenue += dRevenue;
      const span = ms - this.openStartMs, last = this.xs.length - 1;
      this.xs[last] = ms;
      this.orders[last] = (this.openOrders * 1000) / span;
      this.revenue[last] = (this.openRevenue * 1000) / span;
      this.version_++;
    } else {
      this.push(ms, (dOrders * 1000) / dt, (dRevenue * 1000) / dt);
      this.open(prev.t, dOrders, dRevenue);
    }
    this.trim();
    return { orders: dOrders, revenue: dRevenue };
  }

  /** GetHistory's answer: replaces everything up to the baseline with the server's per-second counts. */
  backfill(points: readonly HistoryPoint[]): void {
    const cut = this.baselineMs;
    if (!Number.isFinite(cut) || !Array.isArray(points)) return;
    const xs: number[] = [], orders: number[] = [], revenue: number[] = [];
    for (const p of points) {
      const end = timeOf(p?.Timestamp) + 1000;
      if (!(end <= cut) || (xs.length > 0 && end <= xs[xs.length - 1]!)) continue;
      xs.push(end);
      orders.push(num(p.OrderCount));
      revenue.push(num(p.Revenue));
    }
    let keep = 0;
    while (keep < this.xs.length && this.xs[keep]! <= cut) keep++;
    if (keep === this.xs.length) this.openStartMs = Number.NaN;  // no live point left to extend
    this.xs = xs.concat(this.xs.slice(keep));
    this.orders = orders.concat(this.orders.slice(keep));
    this.revenue = revenue.concat(this.revenue.slice(keep));
    this.trim();
    this.version_++;
  }

  /** The newest server time known (last point or tick), in ms; NaN before any. */
  get latestMs(): number {
    const x = this.xs.length > 0 ? this.xs[this.xs.length - 1]! : Number.NaN;
    return Number.isFinite(this.lastTickMs) && !(x >= this.lastTickMs) ? this.lastTickMs : x;
  }

  /** Fresh arrays for uPlot (x in seconds). */
  data(): SeriesData {
    return [this.xs.map((ms) => ms / 1000), this.orders.slice(), this.revenue.slice()];
  }

  /** Latest, peak and mean of one series over what is held. */
  summary(which: 'orders' | 'revenue'): SeriesSummary {
    const v = which === 'orders' ? this.orders : this.revenue;
    let peak = 0, sum = 0;
    for (const x of v) {
      if (x > peak) peak = x;
      sum += x;
    }
    return { latest: v.length > 0 ? v[v.length - 1]! : 0, peak, average: v.length > 0 ? sum / v.length : 0, points: v.length };
  }

  private open(startMs: number, orders: number, revenue: number): void {
    this.openStartMs = startMs;
    this.openOrders = orders;
    this.openRevenue = revenue;
  }

  private push(ms: number, orders: number, revenue: number): void {
    const n = this.xs.length;
    if (n > 0 && ms <= this.xs[n - 1]!) return;
    this.xs.push(ms);
    this.orders.push(orders);
    this.revenue.push(revenue);
    this.version_++;
  }

  // Drops points older than the window (one extra is kept so the line enters from the left edge).
  private trim(): void {
    const latest = this.latestMs;
    if (!Number.isFinite(latest)) return;
    const from = latest - this.windowSeconds * 1000;
    let drop = 0;
    while (drop + 1 < this.xs.length && this.xs[drop + 1]! <= from) drop++;
    if (drop === 0) return;
    this.xs.splice(0, drop);
    this.orders.splice(0, drop);
    this.revenue.splice(0, drop);
    this.version_++;
  }
}
