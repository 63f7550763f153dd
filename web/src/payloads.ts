// The JSON that /hubs/metrics sends and returns (app/kpi_json.cpp; DESIGN §5.2). Property names are
// PascalCase as in the seed's client; money is a JSON number; times are ISO 8601 UTC strings.

/** ReceiveCurrentMetrics (on connect) and the result of GetCurrentMetrics(). */
export interface CurrentMetrics {
  TotalOrders: number;
  TotalRevenue: number;
  AverageOrderValue: number;
  TotalPaymentsProcessed: number;
  Timestamp: string;
}

/** ReceiveMetricsUpdate: each broadcast tick in which orders changed. */
export interface MetricsUpdate {
  TotalOrders: number;
  TotalRevenue: number;
  AverageOrderValue: number;
  Timestamp: string;
}

/** ReceivePaymentMetricsUpdate: each broadcast tick in which payments changed. */
export interface PaymentMetricsUpdate {
  TotalPaymentsProcessed: number;
  Timestamp: string;
}

/** ReceiveSlidingWindowUpdate: each broadcast tick while the window (last 5 min by default) changed. */
export interface SlidingWindowUpdate {
  OrderCount: number;
  TotalRevenue: number;
  AverageOrderValue: number;
  WindowStart: string;
  WindowEnd: string;
}

/** ReceiveBatchUpdate: each closed batch (1 s or 100 orders, whichever first). */
export interface BatchUpdate {
  OrderCount: number;
  TotalRevenue: number;
  Timestamp: string;
}

/** One second of GetHistory(seconds): Timestamp is the start of that second; the last one is partial. */
export interface HistoryPoint {
  Timestamp: string;
  OrderCount: number;
  Revenue: number;
}

/** One row of GetDailySales(days), newest first; Day is a UTC date, "2026-12-04". */
export interface DailySalesRow {
  Day: string;
  OrderCount: number;
  Revenue: number;
  PaymentsProcessed: number;
}

/** Method names of the hub, both directions. */
export const hub = {
  path: '/hubs/metrics',
  receiveCurrentMetrics: 'ReceiveCurrentMetrics',
  receiveMetricsUpdate: 'ReceiveMetricsUpdate',
  receivePaymentMetricsUpdate: 'ReceivePaymentMetricsUpdate',
  receiveSlidingWindowUpdate: 'ReceiveSlidingWindowUpdate',
  receiveBatchUpdate: 'ReceiveBatchUpdate',
  getHistory: 'GetHistory',
  getDailySales: 'GetDailySales',
} as const;

/** Milliseconds since the epoch of an ISO 8601 time, or NaN when it is not one. */
export function timeOf(iso: unknown): number {
  return typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
}

/** A finite number, or `fallback` for anything else (a missing field, null, a string). */
export function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}
