import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadTs } from './lib/load.mjs';

const p = await loadTs('src/policy.ts');

test('automatic reconnect: at once, then 1, 2, 5, 5 s with under a second of jitter', () => {
  const none = () => 0, most = () => 0.999;
  assert.deepEqual([0, 1, 2, 3, 4, 9].map((n) => p.nextReconnectDelay(n, 1000, none)), [0, 1000, 2000, 5000, 5000, 5000]);
  assert.deepEqual([1, 3].map((n) => p.nextReconnectDelay(n, 1000, most)), [1999, 5999]);
});

test('after 30 s of trying the client gives up and the 5 s offline loop takes over', () => {
  assert.equal(p.nextReconnectDelay(5, 29_999, () => 0), 5000);
  assert.equal(p.nextReconnectDelay(5, 30_000, () => 0), null);
  assert.equal(p.offlineRetryDelay(() => 0), 5000);
  assert.equal(p.offlineRetryDelay(() => 0.5), 5500);
});

test('the transport in use is read from the client\'s log line', () => {
  assert.equal(p.transportFromLog("Selecting transport 'WebSockets'."), 'WebSockets');
  assert.equal(p.transportFromLog("Selecting transport 'LongPolling'."), 'LongPolling');
  assert.equal(p.transportFromLog('(WebSockets transport) Connecting.'), null);
  assert.equal(p.transportLabel('ServerSentEvents'), 'Server-Sent Events');
  assert.equal(p.transportLabel(''), '–');
});

test('?transport= pins a transport', () => {
  assert.equal(p.transportFromQuery('?transport=sse'), 'ServerSentEvents');
  assert.equal(p.transportFromQuery('?transport=LongPolling'), 'LongPolling');
  assert.equal(p.transportFromQuery('?transport=websockets&x=1'), 'WebSockets');
  assert.equal(p.transportFromQuery('?transport=carrier-pigeon'), null);
  assert.equal(p.transportFromQuery(''), null);
});

test('a hub range error names the limit to ask again with', () => {
  const err = new Error("An unexpected error occurred invoking 'GetHistory' on the server. HubException: seconds must be between 1 and 60.");
  assert.equal(p.rangeLimit(err), 60);
  assert.equal(p.rangeLimit(new Error('Invocation canceled due to the underlying connection being closed.')), null);
});
