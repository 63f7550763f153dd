// Runs the Qpid Proton producer (tests/e2e/amqp/proton_send.py, Debian's python3-qpid-proton under
// /usr/bin/python3) and returns its summary: { accepted, rejected, released, modified, rejections, error }.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.join(here, '..', 'amqp', 'proton_send.py');

/** One JSON line per event: { type, id?, body (object or raw string), messageType? }. */
export function protonSend(url, events, { durable = false, presettled = false, mechs, timeoutS = 60 } = {}) {
  const args = [script, url, '--timeout', String(timeoutS)];
  if (durable) args.push('--durable');
  if (presettled) args.push('--presettled');
  if (mechs) args.push('--mechs', mechs);
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/python3', args, { maxBuffer: 64 * 1024 * 1024, timeout: (timeoutS + 15) * 1000 },
      (err, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop();
        try {
          resolve(JSON.parse(line));
        } catch {
          reject(new Error(`proton_send.py failed (${err?.message}): ${stdout}\n${stderr}`));
        }
      });
    child.stdin.end(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  });
}

/** `n` OrderCreated events o-<prefix>-<i> with amounts (i % 97) + 0.25, and their exact sum in cents. */
export function orders(prefix, n) {
  const events = [];
  let cents = 0;
  for (let i = 0; i < n; ++i) {
    const amount = (i % 97) + 0.25;
    cents += (i % 97) * 100 + 25;
    events.push({ type: 'OrderCreated', id: `${prefix}-${i}`, body: { OrderId: `${prefix}-${i}`, TotalAmount: amount, Currency: 'EUR' } });
  }
  return { events, cents };
}
