// Sends known events to tallyhub's AMQP 1.0 listener for the browser tests: with tallyhub-send
// (the C++ producer built next to the server: build/cmake-release/tallyhub-send) when it is there,
// otherwise with the Qpid Proton producer of the end-to-end suite (tests/e2e/lib/proton.mjs).
// Both take the same JSON lines, {"type":"OrderCreated","id":"o-1","body":{...}}, and report
// { accepted, rejected, released, error }.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { protonSend } from '../../../tests/e2e/lib/proton.mjs';
import { tallyhubBin } from '../../../tests/e2e/lib/server.mjs';

export { orders } from '../../../tests/e2e/lib/proton.mjs';

const sendBin = process.env.TALLYHUB_SEND_BIN || path.join(path.dirname(tallyhubBin), 'tallyhub-send');

/** Which producer sendEvents() uses, for the test output. */
export const producer = existsSync(sendBin) ? `tallyhub-send (${sendBin})` : 'Qpid Proton (tests/e2e/lib/proton.mjs; no tallyhub-send yet)';

/** `n` PaymentProcessed events p-<prefix>-<i> of 10.00 each. */
export function payments(prefix, n) {
  return Array.from({ length: n }, (_, i) => ({
    type: 'PaymentProcessed', id: `${prefix}-${i}`, body: { OrderId: `${prefix}-${i}`, PaymentId: `pay-${prefix}-${i}`, Amount: '10.00' },
  }));
}

/** Sends `events` to `url` and resolves with the producer's summary once every one is settled. */
export async function sendEvents(url, events, { timeoutS = 30 } = {}) {
  if (!existsSync(sendBin)) return protonSend(url, events, { timeoutS });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tallyhub-events-'));
  const file = path.join(dir, 'events.jsonl');
  writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  try {
    return await new Promise((resolve, reject) => {
      execFile(sendBin, [url, '--file', file, '--json'], { timeout: timeoutS * 1000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const line = stdout.trim().split('\n').pop();
          let summary;
          try {
            summary = JSON.parse(line);
          } catch {
            reject(new Error(`tallyhub-send printed no JSON summary (${err?.message ?? 'exit 0'}): ${stdout}\n${stderr}`));
            return;
          }
          resolve({ ...summary, error: err ? `tallyhub-send: ${err.message.trim()} ${stderr.trim()}`.trim() : summary.error ?? null });
        });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
