// Number, money and time formatting with Intl, built once per locale (constructing an Intl formatter
// costs far more than using one). DOM-free: the unit tests pass a fixed locale and time zone.

/** Shown for a value not known yet or not a finite number. */
export const missing = '–';

export interface Formatters {
  readonly locale: string;
  /** 12,345 */
  count(n: number): string;
  /** $1,234.56 */
  money(n: number): string;
  /** $1.2K: chart axes and other tight spots. */
  moneyCompact(n: number): string;
  /** 12.3 (per-second rates: one decimal at most) */
  rate(n: number): string;
  /** 1.2K: chart axes. */
  countCompact(n: number): string;
  /** Local wall-clock time of an epoch-ms instant, with seconds: 1:02:03 PM. */
  time(ms: number): string;
  /** The same without seconds, for chart axes: 1:02 PM. */
  clock(ms: number): string;
  /** A UTC calendar day "2026-12-04" as "Fri, Dec 4, 2026" (in that locale's order). */
  day(isoDate: string): string;
  /** A length of time in whole units: "5 minutes", "30 seconds", "2 hours". */
  duration(seconds: number): string;
}

export interface FormatOptions {
  /** BCP 47 tag; undefined means the browser's own. */
  locale?: string | undefined;
  /** ISO 4217 code; the seed shows dollars. */
  currency?: string;
  /** IANA time zone for time(); undefined means the browser's own. */
  timeZone?: string | undefined;
}

export function createFormatters(options: FormatOptions = {}): Formatters {
  const currency = options.currency ?? 'USD';
  const count = new Intl.NumberFormat(options.locale, { maximumFractionDigits: 0 });
  const locale = count.resolvedOptions().locale;
  const money = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const moneyCompact = new Intl.NumberFormat(locale, {
    style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1,
  });
  const rate = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const countCompact = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 });
  const time = new Intl.DateTimeFormat(locale, {
    hour: 'numeric', minute: '2-digit', second: '2-digit', timeZone: options.timeZone,
  });
  const clock = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone: options.timeZone });
  const day = new Intl.DateTimeFormat(locale, {
    weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC',
  });
  const units = new Map<string, Intl.NumberFormat>();
  const unit = (name: string) => {
    let f = units.get(name);
    if (!f) {
      f = new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'long', maximumFractionDigits: 1 });
      units.set(name, f);
    }
    return f;
  };
  const finite = (f: (n: number) => string) => (n: number) => (Number.isFinite(n) ? f(n) : missing);

  return {
    locale,
    count: finite((n) => count.format(n)),
    money: finite((n) => money.format(n)),
    moneyCompact: finite((n) => moneyCompact.format(n)),
    rate: finite((n) => rate.format(n)),
    countCompact: finite((n) => countCompact.format(n)),
    time: finite((ms) => time.format(ms)),
    clock: finite((ms) => clock.format(ms)),
    day(isoDate) {
      const ms = Date.parse(`${isoDate}T00:00:00Z`);
      return Number.isFinite(ms) ? day.format(ms) : missing;
    },
    duration: finite((s) => {
      if (s >= 3600 && s % 3600 === 0) return unit('hour').format(s / 3600);
      if (s >= 60 && s % 60 === 0) return unit('minute').format(s / 60);
      return unit('second').format(s);
    }),
  };
}
