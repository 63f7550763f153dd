import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadTs } from './lib/load.mjs';

const { ToastQueue, toastText } = await loadTs('src/toasts.ts');
const count = (n) => String(n);
const money = (n) => `$${n.toFixed(2)}`;

test('at most three are on screen: the oldest goes first', () => {
  const q = new ToastQueue({ max: 3, ttlMs: 4000, mergeMs: 0 });
  for (let i = 1; i <= 10; i++) q.push(i, i * 10, i * 1000);
  assert.deepEqual(q.visible.map((t) => t.orders), [8, 9, 10]);
});

test('updates close together merge into the newest toast instead of stacking', () => {
  const q = new ToastQueue({ max: 3, ttlMs: 4000, mergeMs: 750 });
  for (let i = 0; i < 100; i++) q.push(1, 5, i * 10);  // 100 updates/s for a second
  assert.ok(q.visible.length <= 2, `${q.visible.length} toasts`);
  assert.equal(q.visible.reduce((n, t) => n + t.orders, 0), 100, 'no order is lost from the count');
});

test('a toast goes after its time and the next expiry is known', () => {
  const q = new ToastQueue({ ttlMs: 4000, mergeMs: 0 });
  assert.equal(q.nextExpiryMs, Infinity);
  q.push(1, 10, 0);
  q.push(2, 20, 1000);
  assert.equal(q.nextExpiryMs, 4000);
  assert.equal(q.expire(3999), false);
  assert.equal(q.expire(4000), true);
  assert.deepEqual(q.visible.map((t) => t.orders), [2]);
});

test('the text reads like the seed\'s notification', () => {
  assert.equal(toastText({ orders: 1, revenue: 42 }, count, money), 'New order · $42.00');
  assert.equal(toastText({ orders: 27, revenue: 1083.68 }, count, money), '27 new orders · $1083.68');
});
