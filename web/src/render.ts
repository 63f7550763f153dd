// Draws the model into the page, once per animation frame and only the parts that changed. Text is
// written only when it differs from what is shown, so an unchanged card costs a string compare.
// Element ids are the page's contract (index.html); the seed's five ids are among them.

import type { Formatters } from './format.js';
import { type DashboardModel, liveDailyRows, statusLabel } from './model.js';
import { transportLabel } from './policy.js';
import type { SeriesSummary } from './series.js';
import { toastText } from './toasts.js';

export interface ChartSink {
  /** Draws the model's series; called when the charts part is dirty. */
  update(model: DashboardModel): void;
}

/** The seed's element ids (its metrics-dashboard.ts writes them): kept as they are. */
export const seedIds = ['total-orders', 'total-revenue', 'avg-order-value', 'total-payments', 'last-updated'] as const;

/** Every element the view writes; index.html must have them all. */
export const pageIds = [
  ...seedIds,
  'connection', 'connection-text', 'connection-detail', 'transport', 'protocol', 'client-version',
  'window-orders', 'window-revenue', 'window-average', 'window-rate', 'window-range', 'window-length',
  'chart-window', 'orders-chart-latest', 'revenue-chart-latest', 'orders-chart-summary', 'revenue-chart-summary',
  'batch-list', 'batch-empty', 'daily-body', 'daily-note', 'toasts',
] as const;

/** The chart hosts (charts.ts). */
export const chartIds = ['orders-chart', 'revenue-chart'] as const;

function byId(doc: Document, id: string): HTMLElement {
  const el = doc.getElementById(id);
  if (!el) throw new Error(`dashboard: the page has no #${id}`);
  return el;
}

function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export class DashboardView {
  private readonly el: Record<string, HTMLElement> = {};
  private readonly toastEls = new Map<number, HTMLElement>();
  private toastTimer: ReturnType<typeof setTimeout> | undefined;
  private toastTimerAt = Infinity;
  private dailyDays: string | null = null;  // the days the table's rows are for
  private renders = 0;

  constructor(
    private readonly doc: Document,
    private readonly model: DashboardModel,
    private readonly fmt: Formatters,
    private readonly charts: ChartSink | null = null,
  ) {
    for (const id of pageIds) this.el[id] = byId(doc, id);
  }

  /** Renders so far (each one a frame that had something to draw). */
  get renderCount(): number { return this.renders; }

  setClientVersion(version: string): void {
    setText(this.el['client-version']!, version);
  }

  /** Draws every dirty part. */
  render(): void {
    const dirty = this.model.takeDirty();
    if (dirty.size === 0) return;
    this.renders++;
    if (dirty.has('kpi')) this.renderKpis();
    if (dirty.has('connection')) this.renderConnection();
    if (dirty.has('window')) this.renderWindow();
    if (dirty.has('charts')) this.renderCharts();
    if (dirty.has('batches')) this.renderBatches();
    if (dirty.has('daily') || dirty.has('kpi')) this.renderDaily();
    if (dirty.has('toasts')) this.renderToasts();
  }

  private renderKpis(): void {
    const k = this.model.kpi, f = this.fmt, e = this.el;
    setText(e['total-orders']!, f.count(k.totalOrders));
    setText(e['total-revenue']!, f.money(k.totalRevenue));
    setText(e['avg-order-value']!, f.money(k.averageOrderValue));
    setText(e['total-payments']!, f.count(k.totalPayments));
    setText(e['last-updated']!, Number.isFinite(k.lastUpdatedMs) ? f.time(k.lastUpdatedMs) : '-');
  }

  private renderConnection(): void {
    const c = this.model.connection, e = this.el;
    e['connection']!.dataset['status'] = c.status;
    setText(e['connection-text']!, statusLabel(c));
    let detail = '';
    if (c.status === 'offline' && Number.isFinite(c.retryAtMs)) detail = `Retrying at ${this.fmt.time(c.retryAtMs)}`;
    else if (c.status === 'reconnecting') detail = 'Trying to reach the server';
    setText(e['connection-detail']!, detail);
    e['connection-detail']!.title = c.error;
    setText(e['transport']!, transportLabel(c.transport));
    setText(e['protocol']!, c.protocol || '–');
  }

  private renderWindow(): void {
    const w = this.model.window, f = this.fmt, e = this.el;
    if (!w) return;
    setText(e['window-orders']!, f.count(w.orderCount));
    setText(e['window-revenue']!, f.money(w.revenue));
    setText(e['window-average']!, f.money(w.average));
    setText(e['window-rate']!, f.rate(w.seconds > 0 ? (w.orderCount * 60) / w.seconds : NaN));
    setText(e['window-length']!, f.duration(w.seconds));
    setText(e['window-range']!, `${f.time(w.startMs)} – ${f.time(w.endMs)}`);
  }

  private renderCharts(): void {
    const s = this.model.series, f = this.fmt, e = this.el;
    const span = f.duration(s.window);
    setText(e['chart-window']!, span);
    const orders = s.summary('orders'), revenue = s.summary('revenue');
    setText(e['orders-chart-latest']!, orders.points > 0 ? `${f.rate(orders.latest)}/s` : '–');
    setText(e['revenue-chart-latest']!, revenue.points > 0 ? `${f.money(revenue.latest)}/s` : '–');
    setText(e['orders-chart-summary']!, chartSummary('Orders per second', span, orders, f.rate));
    setText(e['revenue-chart-summary']!, chartSummary('Revenue per second', span, revenue, f.money));
    this.charts?.update(this.model);
  }

  // A fixed pool of list items, reused: the ticker never grows the DOM.
  private renderBatches(): void {
    const list = this.el['batch-list']!, batches = this.model.batches, f = this.fmt;
    while (list.children.length < batches.length) {
      const li = this.doc.createElement('li');
      for (const cls of ['batch-time', 'batch-orders', 'batch-revenue']) {
        const span = this.doc.createElement('span');
        span.className = cls;
        li.append(span);
      }
      list.append(li);
    }
    batches.forEach((b, i) => {
      const li = list.children[i] as HTMLElement;
      const [time, orders, revenue] = Array.from(li.children) as HTMLElement[];
      setText(time!, f.time(b.closedMs));
      setText(orders!, `${f.count(b.orderCount)} ${b.orderCount === 1 ? 'order' : 'orders'}`);
      setText(revenue!, f.money(b.revenue));
    });
    this.el['batch-empty']!.hidden = batches.length > 0;
  }

  // Rebuilt when the days change (a fetch); otherwise today's cells are updated in place.
  private renderDaily(): void {
    const body = this.el['daily-body']!, f = this.fmt, d = this.model.daily;
    const rows = liveDailyRows(d, this.model.kpi);
    const cells = rows.map((r) => [
      f.count(r.OrderCount), f.money(r.Revenue), f.money(r.OrderCount > 0 ? r.Revenue / r.OrderCount : NaN), f.count(r.PaymentsProcessed),
    ]);
    const days = rows.map((r) => r.Day).join(',');
    if (days !== this.dailyDays) {
      this.dailyDays = days;
      body.replaceChildren(...(rows.length > 0 ? rows.map((r) => this.dailyRow(r.Day)) : [this.emptyDailyRow()]));
    }
    cells.forEach((texts, i) => {
      const tds = (body.children[i] as HTMLTableRowElement).cells;
      texts.forEach((text, j) => setText(tds[j + 1] as HTMLElement, text));
    });
    if (Number.isFinite(d.fetchedMs)) setText(this.el['daily-note']!, `UTC days, newest first · refreshed ${f.time(d.fetchedMs)}`);
  }

  private dailyRow(isoDay: string): HTMLTableRowElement {
    const tr = this.doc.createElement('tr');
    const th = this.doc.createElement('th'), time = this.doc.createElement('time');
    th.scope = 'row';
    time.dateTime = isoDay;
    time.textContent = this.fmt.day(isoDay);
    th.append(time);
    tr.append(th);
    for (let i = 0; i < 4; i++) {
      const td = this.doc.createElement('td');
      td.className = 'num';
      tr.append(td);
    }
    return tr;
  }

  private emptyDailyRow(): HTMLTableRowElement {
    const tr = this.doc.createElement('tr'), td = this.doc.createElement('td');
    td.colSpan = 5;
    td.className = 'empty';
    td.textContent = 'No sales recorded yet.';
    tr.append(td);
    return tr;
  }

  // Keyed by toast id: a merged toast updates in place, an expired one is removed.
  private renderToasts(): void {
    const box = this.el['toasts']!, shown = this.model.toasts.visible, f = this.fmt;
    const ids = new Set(shown.map((t) => t.id));
    for (const [id, el] of this.toastEls) {
      if (!ids.has(id)) {
        el.remove();
        this.toastEls.delete(id);
      }
    }
    for (const t of shown) {
      let el = this.toastEls.get(t.id);
      if (!el) {
        el = this.doc.createElement('div');
        el.className = 'toast';
        box.append(el);
        this.toastEls.set(t.id, el);
      }
      setText(el, toastText(t, f.count, f.money));
    }
    this.armToastTimer();
  }

  private armToastTimer(): void {
    const at = this.model.toasts.nextExpiryMs;
    if (at === this.toastTimerAt) return;
    clearTimeout(this.toastTimer);
    this.toastTimerAt = at;
    if (at === Infinity) return;
    this.toastTimer = setTimeout(() => {
      this.toastTimerAt = Infinity;
      this.model.expireToasts();
      this.armToastTimer();  // in case the timer ran a little early and nothing expired
    }, Math.max(0, at - Date.now()));
  }
}

/** The visually-hidden text that stands for a chart: "Orders per second over the last 5 minutes: …". */
export function chartSummary(what: string, span: string, s: SeriesSummary, fmt: (n: number) => string): string {
  if (s.points === 0) return `${what}: no data yet.`;
  return `${what} over the last ${span}: now ${fmt(s.latest)}, peak ${fmt(s.peak)}, average ${fmt(s.average)}.`;
}
