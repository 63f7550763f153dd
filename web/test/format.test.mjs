import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadTs } from './lib/load.mjs';

const { createFormatters, missing } = await loadTs('src/format.ts');
// ICU puts a narrow no-break space before AM/PM and no-break spaces in some currencies.
const plain = (s) => s.replace(/[\u00a0\u202f]/g, ' ');

test('counts, money and rates are grouped and rounded for the locale', () => {
  const f = createFormatters({ locale: 'en-US' });
  assert.equal(f.count(12345), '12,345');
  assert.equal(f.count(12345.6), '12,346');
  assert.equal(f.money(1441.96), '$1,441.96');
  assert.equal(f.money(46.5148), '$46.51');
  assert.equal(f.money(0), '$0.00');
  assert.equal(f.rate(12.345), '12.3');
  assert.equal(f.rate(27), '27');
  assert.equal(f.countCompact(1234), '1.2K');
  assert.equal(f.moneyCompact(45678.9), '$45.7K');
});

test('another locale groups and places the currency its own way', () => {
  const f = createFormatters({ locale: 'de-DE' });
  assert.equal(plain(f.count(1234567)), '1.234.567');
  assert.equal(plain(f.money(1441.96)), '1.441,96 $');
  const eur = createFormatters({ locale: 'fr-FR', currency: 'EUR' });
  assert.equal(plain(eur.money(1441.96)), '1 441,96 €');
});

test('a value not known yet shows a dash, not NaN or 0', () => {
  const f = createFormatters({ locale: 'en-US' });
  for (const fn of [f.count, f.money, f.rate, f.time, f.duration, f.moneyCompact, f.countCompact]) {
    assert.equal(fn(Number.NaN), missing);
    assert.equal(fn(Infinity), missing);
  }
  assert.equal(f.day('not a day'), missing);
});

test('times are wall-clock with seconds; days are UTC calendar days', () => {
  const f = createFormatters({ locale: 'en-US', timeZone: 'UTC' });
  assert.equal(plain(f.time(Date.parse('2026-12-04T13:02:03.796Z'))), '1:02:03 PM');
  const tokyo = createFormatters({ locale: 'en-GB', timeZone: 'Asia/Tokyo' });
  assert.equal(tokyo.time(Date.parse('2026-12-04T13:02:03Z')), '22:02:03');
  // The day is the server's UTC day whatever the viewer's zone.
  assert.equal(tokyo.day('2026-12-04'), 'Fri, 4 Dec 2026');
  assert.equal(f.day('2026-12-04'), 'Fri, Dec 4, 2026');
});

test('window lengths read as whole units', () => {
  const f = createFormatters({ locale: 'en-US' });
  assert.equal(f.duration(300), '5 minutes');
  assert.equal(f.duration(60), '1 minute');
  assert.equal(f.duration(30), '30 seconds');
  assert.equal(f.duration(90), '90 seconds');
  assert.equal(f.duration(7200), '2 hours');
});
