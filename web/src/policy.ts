// The connection's rules, apart from the SignalR client so the unit tests can check them.
//
//   automatic reconnect  0, 1, 2, 5, 5, … s (plus up to 1 s of jitter) while the outage is under 30 s:
//                        the badge says "Reconnecting…"
//   then                 the client gives up (onclose): "Offline", and a fresh start() every 5 s (plus
//                        jitter) like the seed's connect(); the same loop runs when the first start fails
// The jitter spreads a wall of dashboards over a second when the server comes back, instead of all
// of them negotiating in the same millisecond.

export const reconnectDelaysMs = [0, 1000, 2000, 5000] as const;
export const reconnectGiveUpMs = 30_000;
export const offlineRetryMs = 5000;
export const jitterMs = 1000;

/** The next automatic-reconnect delay, or null to stop (SignalR's IRetryPolicy contract). */
export function nextReconnectDelay(previousRetryCount: number, elapsedMs: number, random: () => number = Math.random): number | null {
  if (elapsedMs >= reconnectGiveUpMs) return null;
  const base = reconnectDelaysMs[Math.min(previousRetryCount, reconnectDelaysMs.length - 1)]!;
  return previousRetryCount === 0 ? 0 : base + Math.floor(random() * jitterMs);
}

/** The wait before the next start() when the first start failed or the client gave up. */
export function offlineRetryDelay(random: () => number = Math.random): number {
  return offlineRetryMs + Math.floor(random() * jitterMs);
}

export type TransportName = 'WebSockets' | 'ServerSentEvents' | 'LongPolling';

/** The transport a SignalR client log line says it selected ("Selecting transport 'WebSockets'."). */
export function transportFromLog(message: string): TransportName | null {
  const m = /^Selecting transport '(WebSockets|ServerSentEvents|LongPolling)'/.exec(message);
  return m ? (m[1] as TransportName) : null;
}

/** `?transport=websockets|sse|longpolling` (case-insensitive), to pin the page to one transport. */
export function transportFromQuery(search: string): TransportName | null {
  const value = new URLSearchParams(search).get('transport')?.toLowerCase();
  switch (value) {
    case 'websockets': case 'ws': return 'WebSockets';
    case 'sse': case 'serversentevents': return 'ServerSentEvents';
    case 'longpolling': case 'lp': return 'LongPolling';
    default: return null;
  }
}

/** The upper bound a hub range error names ("seconds must be between 1 and 300."), or null. */
export function rangeLimit(error: unknown): number | null {
  const text = error instanceof Error ? error.message : String(error);
  const m = /between 1 and (\d+)/.exec(text);
  return m ? Number(m[1]) : null;
}

/** Human words for the transport in the footer. */
export function transportLabel(t: string): string {
  switch (t) {
    case 'WebSockets': return 'WebSockets';
    case 'ServerSentEvents': return 'Server-Sent Events';
    case 'LongPolling': return 'Long polling';
    default: return '–';
  }
}
