// The connection to /hubs/metrics: the seed's MetricsDashboard.connect() grown up. Every hub message
// goes into the model; on each (re)connect the charts are back-filled with GetHistory and the daily
// table is fetched with GetDailySales (and refreshed every minute while connected).
//
// Lifecycle: start() → connected, or offline and start() again every 5 s (policy.ts). Once
// connected, a lost connection is retried automatically ("reconnecting"); after 30 s the client
// gives up, onclose fires, and the 5 s loop takes over ("offline") until a start() succeeds.

import * as signalR from '@microsoft/signalr';

import type { DashboardModel } from './model.js';
import {
  type BatchUpdate, type CurrentMetrics, type DailySalesRow, type HistoryPoint, type MetricsUpdate,
  type PaymentMetricsUpdate, type SlidingWindowUpdate, hub,
} from './payloads.js';
import {
  type TransportName, nextReconnectDelay, offlineRetryDelay, rangeLimit, transportFromLog,
} from './policy.js';

export const dailySalesDays = 7;
export const dailyRefreshMs = 60_000;

export interface HubOptions {
  url?: string;
  /** Pin one transport (the page's ?transport=); otherwise negotiation picks (WebSockets first). */
  transport?: TransportName | null;
}

/** Forwards the client's warnings and errors to the console and notes the transport it selects. */
class ConnectionLogger implements signalR.ILogger {
  selected: TransportName | null = null;

  log(level: signalR.LogLevel, message: string): void {
    if (level === signalR.LogLevel.Debug) {
      this.selected = transportFromLog(message) ?? this.selected;
    } else if (level === signalR.LogLevel.Warning) {
      console.warn(`[signalr] ${message}`);
    } else if (level >= signalR.LogLevel.Error && level !== signalR.LogLevel.None) {
      console.error(`[signalr] ${message}`);
    }
  }
}

export class MetricsConnection {
  readonly connection: signalR.HubConnection;
  private readonly logger = new ConnectionLogger();
  private readonly protocol = new signalR.JsonHubProtocol();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private dailyTimer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;

  constructor(private readonly model: DashboardModel, options: HubOptions = {}) {
    const http: signalR.IHttpConnectionOptions = {};
    if (options.transport) http.transport = signalR.HttpTransportType[options.transport];
    this.connection = new signalR.HubConnectionBuilder()
      .withUrl(options.url ?? hub.path, http)
      .withHubProtocol(this.protocol)
      .withAutomaticReconnect({
        nextRetryDelayInMilliseconds: (c) => nextReconnectDelay(c.previousRetryCount, c.elapsedMilliseconds),
      })
      .configureLogging(this.logger)
      .build();
    this.subscribe();
  }

  /** Connects, and keeps trying every 5 s until it does. */
  async start(): Promise<void> {
    this.stopped = false;
    clearTimeout(this.retryTimer);
    if (this.connection.state !== signalR.HubConnectionState.Disconnected) return;
    try {
      await this.connection.start();
    } catch (err) {
      this.scheduleRetry(err);
      return;
    }
    this.connected();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.dailyTimer);
    await this.connection.stop();
  }

  private subscribe(): void {
    const c = this.connection, m = this.model;
    c.on(hub.receiveCurrentMetrics, (x: CurrentMetrics) => m.currentMetrics(x));
    c.on(hub.receiveMetricsUpdate, (x: MetricsUpdate) => m.metricsUpdate(x));
    c.on(hub.receivePaymentMetricsUpdate, (x: PaymentMetricsUpdate) => m.paymentUpdate(x));
    c.on(hub.receiveSlidingWindowUpdate, (x: SlidingWindowUpdate) => m.windowUpdate(x));
    c.on(hub.receiveBatchUpdate, (x: BatchUpdate) => m.batchUpdate(x));
    c.onreconnecting((err) => {
      clearInterval(this.dailyTimer);
      m.setStatus('reconnecting', { error: err?.message ?? '' });
    });
    c.onreconnected(() => this.connected());
    c.onclose((err) => {
      clearInterval(this.dailyTimer);
      if (!this.stopped) this.scheduleRetry(err);
    });
  }

  private scheduleRetry(err: unknown): void {
    const delay = offlineRetryDelay();
    const error = err instanceof Error ? err.message : err ? String(err) : '';
    this.model.setStatus('offline', { error, retryAtMs: Date.now() + delay });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.start(), delay);
  }

  private connected(): void {
    this.model.setStatus('connected');
    this.model.setTransport(this.logger.selected ?? '', `${this.protocol.name} v${this.protocol.version}`);
    void this.loadHistory();
    void this.loadDailySales();
    clearInterval(this.dailyTimer);
    this.dailyTimer = setInterval(() => void this.loadDailySales(), dailyRefreshMs);
  }

  // GetHistory for the whole window; a server with a shorter window says so, and is asked again.
  private async loadHistory(): Promise<void> {
    let seconds = this.model.windowSeconds;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        this.model.history(await this.connection.invoke<HistoryPoint[]>(hub.getHistory, seconds));
        return;
      } catch (err) {
        const limit = rangeLimit(err);
        if (limit === null || limit >= seconds || !this.isConnected()) {
          if (this.isConnected()) console.warn('GetHistory failed; the charts start from live updates', err);
          break;
        }
        seconds = limit;
        this.model.series.setWindow(limit);
      }
    }
  }

  private async loadDailySales(): Promise<void> {
    let days = dailySalesDays;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        this.model.dailySales(await this.connection.invoke<DailySalesRow[]>(hub.getDailySales, days));
        return;
      } catch (err) {
        const limit = rangeLimit(err);
        if (limit === null || limit >= days || !this.isConnected()) break;
        days = limit;
      }
    }
  }

  private isConnected(): boolean {
    return this.connection.state === signalR.HubConnectionState.Connected;
  }
}
