// The two live charts (orders/s, revenue/s) drawn with uPlot: canvas, ~50 KB, fast enough to redraw
// a few thousand points every frame. The x axis spans the sliding window ending at the newest
// server time, so the chart scrolls with the data and a back-filled reload looks like a live one.
// Colours come from CSS custom properties; the charts are rebuilt when the colour scheme flips.

import uPlot from 'uplot';

import type { Formatters } from './format.js';
import type { DashboardModel } from './model.js';
import { type ChartSink, chartIds } from './render.js';

interface Palette {
  orders: string;
  revenue: string;
  axis: string;
  grid: string;
  fontPx: number;  // the root font size: axis text grows with it on wall screens
}

function palette(doc: Document): Palette {
  const css = getComputedStyle(doc.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    orders: v('--chart-orders', '#2563eb'),
    revenue: v('--chart-revenue', '#059669'),
    axis: v('--text-muted', '#4b5563'),
    grid: v('--chart-grid', 'rgba(127,127,127,0.2)'),
    fontPx: parseFloat(css.fontSize) || 16,
  };
}

// A translucent fill under the line from the stroke colour (#rrggbb only; others get no fill).
function fillOf(color: string): string | undefined {
  return /^#[0-9a-f]{6}$/i.test(color) ? `${color}2e` : undefined;
}

// An x tick (epoch seconds): the local time on whole minutes, ":30" between them.
function timeTick(t: number, step: number, clock: (ms: number) => string): string {
  const second = Math.round(t) % 60;
  return second === 0 || step >= 60 ? clock(t * 1000) : `:${String(second).padStart(2, '0')}`;
}

class RateChart {
  private plot: uPlot | null = null;
  private xMin = 0;
  private xMax = 1;

  constructor(
    private readonly host: HTMLElement,
    private readonly label: string,
    private readonly color: (p: Palette) => string,
    private readonly tick: (n: number) => string,
    private readonly value: (n: number) => string,
    private readonly clock: (ms: number) => string,
  ) {}

  build(p: Palette, data: uPlot.AlignedData): void {
    this.plot?.destroy();
    const stroke = this.color(p), fill = fillOf(stroke);
    const { width, height } = this.size();
    const font = `${Math.round(p.fontPx * 0.75)}px system-ui, sans-serif`;
    const opts: uPlot.Options = {
      width,
      height,
      pxAlign: false,
      legend: { show: false },
      cursor: { y: false, points: { size: 7 } },
      scales: {
        x: { time: true, range: () => [this.xMin, this.xMax] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
      },
      axes: [
        {
          stroke: p.axis, font, grid: { stroke: p.grid, width: 1 }, ticks: { stroke: p.grid, width: 1 }, space: p.fontPx * 4,
          values: (_u, splits, _axis, _space, step) => splits.map((t) => timeTick(t, step, this.clock)),
        },
        {
          stroke: p.axis, font, grid: { stroke: p.grid, width: 1 }, ticks: { show: false }, size: Math.round(p.fontPx * 3.5),
          values: (_u, splits) => splits.map((n) => this.tick(n)),
        },
      ],
      series: [
        {},
        {
          label: this.label, stroke, width: 2, ...(fill ? { fill } : {}), points: { show: false },
          value: (_u, n) => (n == null ? '–' : this.value(n)),
        },
      ],
    };
    this.plot = new uPlot(opts, data, this.host);
  }

  setData(data: uPlot.AlignedData, xMin: number, xMax: number): void {
    this.xMin = xMin;
    this.xMax = xMax;
    this.plot?.setData(data);
  }

  resize(): void {
    if (!this.plot) return;
    const { width, height } = this.size();
    if (width !== this.plot.width || height !== this.plot.height) this.plot.setSize({ width, height });
  }

  private size(): { width: number; height: number } {
    const width = Math.max(200, Math.floor(this.host.clientWidth));
    const height = Math.max(140, Math.floor(this.host.clientHeight || width * 0.4));
    return { width, height };
  }
}

/** Both charts, fed from the model's RateSeries. */
export class LiveCharts implements ChartSink {
  private readonly orders: RateChart;
  private readonly revenue: RateChart;
  private drawn = '';
  private last: { data: uPlot.AlignedData; xMin: number; xMax: number } = { data: [[], [], []], xMin: 0, xMax: 1 };

  constructor(private readonly doc: Document, fmt: Formatters) {
    const host = (id: string) => {
      const el = doc.getElementById(id);
      if (!el) throw new Error(`dashboard: the page has no #${id}`);
      return el;
    };
    this.orders = new RateChart(host('orders-chart'), 'Orders/s', (p) => p.orders, fmt.countCompact, fmt.rate, fmt.clock);
    this.revenue = new RateChart(host('revenue-chart'), 'Revenue/s', (p) => p.revenue, fmt.moneyCompact, fmt.money, fmt.clock);
    this.build();

    // Redraw at the new size when the layout changes (rotation, window resize, wall screen).
    const observer = new ResizeObserver(() => {
      if (palette(doc).fontPx !== this.fontPx) return this.build();  // crossed a wall-screen breakpoint
      this.orders.resize();
      this.revenue.resize();
    });
    for (const id of chartIds) observer.observe(host(id));
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.build());
  }

  update(model: DashboardModel): void {
    const s = model.series;
    const key = `${s.version}@${s.latestMs}`;  // new points, or a tick that moves the window on
    if (key === this.drawn) return;
    this.drawn = key;
    const [xs, orders, revenue] = s.data();
    const end = Number.isFinite(s.latestMs) ? s.latestMs / 1000 : Date.now() / 1000;
    this.last = { xMin: end - s.window, xMax: end, data: [xs, orders, revenue] };
    this.orders.setData([xs, orders], this.last.xMin, this.last.xMax);
    this.revenue.setData([xs, revenue], this.last.xMin, this.last.xMax);
  }

  private fontPx = 0;

  private build(): void {
    const p = palette(this.doc);
    this.fontPx = p.fontPx;
    const [xs, orders, revenue] = this.last.data as [number[], number[], number[]];
    this.orders.build(p, [xs, orders]);
    this.revenue.build(p, [xs, revenue]);
    this.orders.setData([xs, orders], this.last.xMin, this.last.xMax);
    this.revenue.setData([xs, revenue], this.last.xMin, this.last.xMax);
  }
}
