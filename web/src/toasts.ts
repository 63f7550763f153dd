// New-order notifications that never pile up. DOM-free: the renderer draws `visible`.
//
// Policy: at most `max` on screen (the oldest goes first), each for `ttlMs`; an update arriving within
// `mergeMs` of the newest toast is added into it rather than stacked, so a fast broadcast interval
// (100 updates/s) still shows one toast counting up, not a hundred.

export interface Toast {
  readonly id: number;
  orders: number;
  revenue: number;
  readonly createdMs: number;
  updatedMs: number;
  expiresMs: number;
}

export interface ToastOptions {
  max?: number;
  ttlMs?: number;
  mergeMs?: number;
}

export class ToastQueue {
  readonly max: number;
  readonly ttlMs: number;
  readonly mergeMs: number;
  private toasts: Toast[] = [];
  private nextId = 1;

  constructor(options: ToastOptions = {}) {
    this.max = Math.max(1, options.max ?? 3);
    this.ttlMs = options.ttlMs ?? 4000;
    this.mergeMs = options.mergeMs ?? 750;
  }

  /** Oldest first. */
  get visible(): readonly Toast[] { return this.toasts; }

  /** Records `orders` new orders worth `revenue`; returns the toast that shows them. */
  push(orders: number, revenue: number, nowMs: number): Toast {
    this.expire(nowMs);
    const newest = this.toasts[this.toasts.length - 1];
    if (newest && nowMs - newest.createdMs < this.mergeMs) {
      newest.orders += orders;
      newest.revenue += revenue;
      newest.updatedMs = nowMs;
      newest.expiresMs = nowMs + this.ttlMs;
      return newest;
    }
    const toast: Toast = { id: this.nextId++, orders, revenue, createdMs: nowMs, updatedMs: nowMs, expiresMs: nowMs + this.ttlMs };
    this.toasts.push(toast);
    if (this.toasts.length > this.max) this.toasts.splice(0, this.toasts.length - this.max);
    return toast;
  }

  /** Drops expired toasts; true if any went. */
  expire(nowMs: number): boolean {
    const before = this.toasts.length;
    this.toasts = this.toasts.filter((t) => t.expiresMs > nowMs);
    return this.toasts.length !== before;
  }

  /** When the next toast expires, or Infinity when none is shown. */
  get nextExpiryMs(): number {
    let next = Infinity;
    for (const t of this.toasts) next = Math.min(next, t.expiresMs);
    return next;
  }
}

/** The toast's text: "New order · $42.00" or "27 new orders · $1,083.68". */
export function toastText(t: Pick<Toast, 'orders' | 'revenue'>, count: (n: number) => string, money: (n: number) => string): string {
  const what = t.orders === 1 ? 'New order' : `${count(t.orders)} new orders`;
  return `${what} · ${money(t.revenue)}`;
}
