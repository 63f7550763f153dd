// The page's contract, read from index.html and from a real build: the seed's ids and labels, the
// ids the view writes, accessibility wiring, and what build.mjs puts in dist/.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';

import { loadTs, webDir } from './lib/load.mjs';

const html = readFileSync(path.join(webDir, 'index.html'), 'utf8');
const { seedIds, pageIds, chartIds } = await loadTs('src/render.ts');
const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);

// The seed's HTML: each value element and the label of its card.
const seedCards = [
  ['total-orders', 'Total Orders'],
  ['total-revenue', 'Total Revenue'],
  ['avg-order-value', 'Avg Order Value'],
  ['total-payments', 'Total Payments'],
];

test('the seed\'s four cards keep their ids and labels, one card each', () => {
  const cards = html.split('<div class="metric-card"').slice(1).map((c) => c.slice(0, c.indexOf('</div>\n      </div>') + 1));
  assert.equal(cards.length, 4);
  seedCards.forEach(([id, label], i) => {
    assert.match(cards[i], new RegExp(`class="metric-value" id="${id}"`), `card ${i + 1} holds #${id}`);
    assert.match(cards[i], new RegExp(`>${label}<`), `card ${i + 1} is labelled "${label}"`);
  });
  assert.match(html, /Last updated: <span id="last-updated">/);
  assert.deepEqual([...seedIds], [...seedCards.map(([id]) => id), 'last-updated']);
});

test('every id the view and the charts write is on the page, once', () => {
  for (const id of [...pageIds, ...chartIds]) assert.ok(ids.includes(id), `#${id}`);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
});

test('landmarks, the live badge and the charts are labelled for screen readers', () => {
  assert.match(html, /<html lang="en">/);
  assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  for (const tag of ['header', 'main', 'footer']) assert.match(html, new RegExp(`<${tag}[ >]`), `<${tag}>`);
  assert.match(html, /id="connection"[^>]*role="status"[^>]*aria-live="polite"/);
  for (const id of chartIds) {
    const el = new RegExp(`id="${id}"[^>]*role="img"[^>]*aria-labelledby="([^"]+)"[^>]*aria-describedby="([^"]+)"`).exec(html);
    assert.ok(el, `#${id} is an image with a label and a description`);
    assert.ok(ids.includes(el[1]) && ids.includes(el[2]));
    assert.match(html, new RegExp(`id="${el[2]}" class="visually-hidden"`), 'the description is a visually-hidden text');
  }
  for (const m of html.matchAll(/aria-(?:labelledby|describedby)="([^"]+)"/g)) {
    for (const ref of m[1].split(' ')) assert.ok(ids.includes(ref), `aria reference #${ref}`);
  }
  assert.match(html, /id="toasts"[^>]*aria-hidden="true"/, 'toasts repeat the cards and stay quiet');
});

test('the page loads nothing from another origin, and its CSP says so', () => {
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
  for (const directive of ["default-src 'self'", "connect-src 'self'", "script-src 'self'", "style-src 'self'"]) {
    assert.ok(csp.split('; ').includes(directive), directive);
  }
  for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
    assert.ok(!/^(?:https?:)?\/\//.test(m[1]), `${m[1]} is local`);
  }
});

test('build.mjs writes hashed, gzipped bundles that index.html names', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'tallyhub-web-'));
  try {
    const printed = execFileSync(process.execPath, ['build.mjs', '--outdir', out], { cwd: webDir, encoding: 'utf8' });
    assert.match(printed, /total .* gzip /);
    const built = readFileSync(path.join(out, 'index.html'), 'utf8');
    const script = /<script type="module" src="(assets\/main-[A-Z2-7]{8}\.js)"><\/script>/.exec(built)?.[1];
    const style = /<link rel="stylesheet" href="(assets\/main-[A-Z2-7]{8}\.css)">/.exec(built)?.[1];
    // net/static_files.cpp caches `name-HASH.ext` (8+ base32 or hex characters) for a year, immutable.
    assert.ok(script && style, 'content-hashed names the server caches as immutable');
    assert.doesNotMatch(built, /src\/main\.ts|src\/main\.css|build\.mjs replaces/);
    const files = readdirSync(path.join(out, 'assets')).sort();
    assert.deepEqual(files, [style, `${style}.gz`, script, `${script}.gz`].map((f) => path.basename(f)).sort());
    let gzip = 0;
    for (const f of ['index.html', script, style]) {
      const raw = readFileSync(path.join(out, f)), zipped = readFileSync(path.join(out, `${f}.gz`));
      assert.ok(gunzipSync(zipped).equals(raw), `${f}.gz holds ${f}`);
      gzip += zipped.length;
    }
    assert.ok(gzip < 64 * 1024, `the page is ${gzip} bytes gzipped; the budget is 64 KiB`);
    const manifest = JSON.parse(readFileSync(path.join(out, 'build.json'), 'utf8'));
    assert.equal(manifest.script, script);
    assert.equal(manifest.gzipBytes, gzip);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
