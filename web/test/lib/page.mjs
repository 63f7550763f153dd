// Helpers for tests against the real server: a free port, a poll, and a minimal document built from
// served HTML (elements by id with their text), enough for the seed's metrics-dashboard.ts.

import net from 'node:net';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once `check()` is truthy (polled every 50 ms); rejects with `what` after timeoutMs. */
export async function until(check, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The elements of `html` that have an id, as { id, tag, textContent }, and a body toasts go into. */
export function pageDocument(html) {
  const elements = new Map();
  for (const m of html.matchAll(/<([a-z0-9]+)\b[^>]*\sid="([^"]+)"[^>]*>([^<]*)/gi)) {
    elements.set(m[2], { id: m[2], tag: m[1].toLowerCase(), textContent: m[3] });
  }
  const body = {
    children: [],
    appendChild(el) {
      this.children.push(el);
      return el;
    },
  };
  return {
    elements,
    body,
    getElementById: (id) => elements.get(id) ?? null,
    createElement: (tag) => ({
      tag, className: '', textContent: '',
      remove() {
        const i = body.children.indexOf(this);
        if (i >= 0) body.children.splice(i, 1);
      },
    }),
  };
}
