// The dashboard's state and what each hub message does to it. DOM-free and clock-injected, so the
// unit tests drive it with plain objects. Every change marks the parts it touched dirty and calls
// `onChange` once; the renderer (render.ts) asks for the dirty parts on the next animation frame,
// so a burst of messages costs one render.

import {
  type BatchUpdate, type CurrentMetrics, type DailySalesRow, type HistoryPoint, type MetricsUpdate,
  type PaymentMetricsUpdate, type SlidingWindowUpdate, num, timeOf,
} from './payloads.js';
import { RateSeries } from './series.js';
import { ToastQueue } from './toasts.js';

export type Part = 'kpi' | 'window' | 'batches' | 'daily' | 'charts' | 'connection' | 'toasts';

/** connecting: first start; reconnecting: automatic reconnect under way; offline: retrying every 5 s. */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface Kpis {
  totalOrders: number;          // NaN until the first ReceiveCurrentMetrics
  totalRevenue: number;
  averageOrderValue: number;
  totalPayments: number;
  lastUpdatedMs: number;
}

export interface WindowPanel {
  orderCount: number;
  revenue: number;
  average: number;
  startMs: number;
  endMs: number;
  seconds: number;              // the window's length, rounded to whole seconds
}

export interface Batch {
  orderCount: number;
  revenue: number;
  closedMs: number;
}

export interface Connection {
  status: ConnectionStatus;
  transport: string;            // "WebSockets", "ServerSentEvents", "LongPolling", or "" before one is chosen
  protocol: string;             // "json v2"
  retryAtMs: number;            // when offline: the next start attempt (client clock)
  error: string;                // why it is not connected, if known
}

export interface DailySales {
  rows: DailySalesRow[];
  fetchedMs: number;            // client clock
  /** The cards' totals when the rows arrived: today's row grows by what they grew since. */
  base: { orders: number; revenue: number; payments: number };
}

export interface ModelOptions {
  now?: () => number;
  windowSeconds?: number;       // until the first window update says otherwise
  batchesShown?: number;
  toasts?: ToastQueue;
}

export const defaultWindowSeconds = 300;

export class DashboardModel {
  readonly kpi: Kpis = { totalOrders: NaN, totalRevenue: NaN, averageOrderValue: NaN, totalPayments: NaN, lastUpdatedMs: NaN };
  window: WindowPanel | null = null;
  readonly batches: Batch[] = [];
  daily: DailySales = { rows: [], fetchedMs: NaN, base: { orders: NaN, revenue: NaN, payments: NaN } };
  readonly series: RateSeries;
  readonly toasts: ToastQueue;
  readonly connection: Connection = { status: 'connecting', transport: '', protocol: '', retryAtMs: NaN, error: '' };
  /** Called once per change batch; the frame scheduler hangs here. */
  onChange: () => void = () => {};

  private readonly now: () => number;
  private readonly batchesShown: number;
  private dirty = new Set<Part>();

  constructor(options: ModelOptions = {}) {
    this.now = options.now ?? Date.now;
    this.batchesShown = options.batchesShown ?? 8;
    this.series = new RateSeries(options.windowSeconds ?? defaultWindowSeconds);
    this.toasts = options.toasts ?? new ToastQueue();
  }

  /** The parts changed since the last call, which empties the set. */
  takeDirty(): Set<Part> {
    const d = this.dirty;
    this.dirty = new Set();
    return d;
  }

  /** The window length GetHistory should ask for. */
  get windowSeconds(): number { return this.series.window; }

  // ---- hub messages ---------------------------------------------------------------------------

  /** ReceiveCurrentMetrics: every card at once, and the baseline of the rate charts. */
  currentMetrics(m: CurrentMetrics): void {
    const t = timeOf(m?.Timestamp);
    this.kpi.totalOrders = num(m?.TotalOrders, NaN);
    this.kpi.totalRevenue = num(m?.TotalRevenue, NaN);
    this.kpi.averageOrderValue = num(m?.AverageOrderValue, NaN);
    this.kpi.totalPayments = num(m?.TotalPaymentsProcessed, NaN);
    if (Number.isFinite(t)) this.kpi.lastUpdatedMs = t;
    this.series.setBaseline(t, this.kpi.totalOrders, this.kpi.totalRevenue);
    this.mark('kpi');
  }

  /** ReceiveMetricsUpdate: the order cards, a chart point, and a toast for the new orders. */
  metricsUpdate(m: MetricsUpdate): void {
    const t = timeOf(m?.Timestamp);
    if (t < this.kpi.lastUpdatedMs) return;  // older than what is shown
    this.kpi.totalOrders = num(m?.TotalOrders, this.kpi.totalOrders);
    this.kpi.totalRevenue = num(m?.TotalRevenue, this.kpi.totalRevenue);
    this.kpi.averageOrderValue = num(m?.AverageOrderValue, this.kpi.averageOrderValue);
    if (Number.isFinite(t)) this.kpi.lastUpdatedMs = t;
    const change = this.series.addTotals(t, this.kpi.totalOrders, this.kpi.totalRevenue);
    if (change && change.orders > 0) {
      this.toasts.push(change.orders, change.revenue, this.now());
      this.mark('toasts');
    }
    this.mark('kpi', 'charts');
  }

  /** ReceivePaymentMetricsUpdate: the payments card. */
  paymentUpdate(m: PaymentMetricsUpdate): void {
    const t = timeOf(m?.Timestamp);
    this.kpi.totalPayments = num(m?.TotalPaymentsProcessed, this.kpi.totalPayments);
    if (t > this.kpi.lastUpdatedMs || !Number.isFinite(this.kpi.lastUpdatedMs)) this.kpi.lastUpdatedMs = t;
    this.series.observeTick(t);
    this.mark('kpi');
  }

  /** ReceiveSlidingWindowUpdate: the window panel; its length sizes the charts. */
  windowUpdate(w: SlidingWindowUpdate): void {
    const startMs = timeOf(w?.WindowStart), endMs = timeOf(w?.WindowEnd);
    // WindowStart is the oldest whole second held; the window runs to the current (partial) second.
    const seconds = Math.floor(endMs / 1000) - Math.floor(startMs / 1000) + 1;
    this.window = {
      orderCount: num(w?.OrderCount), revenue: num(w?.TotalRevenue), average: num(w?.AverageOrderValue),
      startMs, endMs, seconds: Number.isFinite(seconds) && seconds > 0 ? seconds : this.series.window,
    };
    this.series.setWindow(this.window.seconds);
    this.series.observeTick(endMs);
    this.mark('window', 'charts');
  }

  /** ReceiveBatchUpdate: the ticker, newest first. */
  batchUpdate(b: BatchUpdate): void {
    this.batches.unshift({ orderCount: num(b?.OrderCount), revenue: num(b?.TotalRevenue), closedMs: timeOf(b?.Timestamp) });
    if (this.batches.length > this.batchesShown) this.batches.length = this.batchesShown;
    this.mark('batches');
  }

  /** GetHistory's answer. */
  history(points: HistoryPoint[]): void {
    this.series.backfill(points);
    this.mark('charts');
  }

  /** GetDailySales's answer (newest first, as sent). */
  dailySales(rows: DailySalesRow[]): void {
    const k = this.kpi;
    this.daily = {
      rows: Array.isArray(rows) ? rows : [], fetchedMs: this.now(),
      base: { orders: k.totalOrders, revenue: k.totalRevenue, payments: k.totalPayments },
    };
    this.mark('daily');
  }

  // ---- connection -------------------------------------------------------------------------------

  setStatus(status: ConnectionStatus, detail: { error?: string; retryAtMs?: number } = {}): void {
    const c = this.connection;
    c.status = status;
    c.error = detail.error ?? '';
    c.retryAtMs = detail.retryAtMs ?? NaN;
    if (status !== 'connected') c.transport = '';
    this.mark('connection');
  }

  setTransport(transport: string, protocol: string): void {
    this.connection.transport = transport;
    this.connection.protocol = protocol;
    this.mark('connection');
  }

  /** Drops toasts past their time; the renderer calls it when the earliest one is due. */
  expireToasts(): void {
    if (this.toasts.expire(this.now())) this.mark('toasts');
  }

  private mark(...parts: Part[]): void {
    const wasClean = this.dirty.size === 0;
    for (const p of parts) this.dirty.add(p);
    if (wasClean) this.onChange();
  }
}

/**
 * The daily table as shown: the rows GetDailySales returned, with today's (the newest, when it is
 * the UTC day of the latest update) advanced by what the cards counted since, so the table keeps
 * pace with the cards between refreshes. Totals that went down (a restarted server) leave it as sent.
 */
export function liveDailyRows(d: DailySales, k: Kpis): DailySalesRow[] {
  const first = d.rows[0];
  if (!first || !Number.isFinite(k.lastUpdatedMs)) return d.rows;
  if (first.Day !== new Date(k.lastUpdatedMs).toISOString().slice(0, 10)) return d.rows;
  const orders = k.totalOrders - d.base.orders;
  const revenue = k.totalRevenue - d.base.revenue;
  const payments = k.totalPayments - d.base.payments;
  if (!(orders >= 0 && revenue >= 0 && payments >= 0)) return d.rows;
  if (orders === 0 && payments === 0) return d.rows;
  return [
    { ...first, OrderCount: first.OrderCount + orders, Revenue: first.Revenue + revenue, PaymentsProcessed: first.PaymentsProcessed + payments },
    ...d.rows.slice(1),
  ];
}

/** The badge's words for a status. */
export function statusLabel(c: Pick<Connection, 'status'>): string {
  switch (c.status) {
    case 'connected': return 'Connected';
    case 'reconnecting': return 'Reconnecting…';
    case 'offline': return 'Offline';
    default: return 'Connecting…';
  }
}
