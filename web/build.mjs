// Builds the dashboard into web/dist, which the server serves at / (--web-root, default web/dist):
//
//   dist/index.html                 no-cache: always revalidated (ETag), so a deploy shows at once
//   dist/assets/main-<HASH>.js      content-hashed names: cached for a year, immutable
//   dist/assets/main-<HASH>.css
//   dist/**.gz                      gzip siblings; the server sends them to clients that accept gzip
//
// esbuild bundles src/main.ts with everything it imports (the SignalR client, uPlot, the styles),
// minified, for current browsers; nothing is fetched at run time. Prints each file's size, raw and
// gzipped. Usage: node build.mjs [--outdir DIR]

import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants as zlib } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const argOut = process.argv.indexOf('--outdir');
const outdir = path.resolve(argOut > 0 ? process.argv[argOut + 1] : path.join(here, 'dist'));

/** Browsers the bundle is written for (esbuild lowers newer syntax below these). */
export const targets = ['chrome109', 'edge109', 'firefox115', 'safari15.4'];

await rm(outdir, { recursive: true, force: true });
await mkdir(path.join(outdir, 'assets'), { recursive: true });

const result = await build({
  absWorkingDir: here,
  entryPoints: { main: 'src/main.ts' },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: targets,
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  outdir: path.join(outdir, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
});

// The entry's script and the stylesheet esbuild split off from it, as URLs relative to index.html.
let script = '', stylesheet = '';
for (const [file, out] of Object.entries(result.metafile.outputs)) {
  if (out.entryPoint !== 'src/main.ts') continue;
  script = path.relative(outdir, path.resolve(here, file));
  if (out.cssBundle) stylesheet = path.relative(outdir, path.resolve(here, out.cssBundle));
}
if (!script || !stylesheet) throw new Error('build: esbuild produced no script or no stylesheet for src/main.ts');

const html = (await readFile(path.join(here, 'index.html'), 'utf8'))
  .replace(/\s*<!-- build\.mjs replaces[^>]*-->/, '')
  .replace('href="src/main.css"', `href="${stylesheet}"`)
  .replace('src="src/main.ts"', `src="${script}"`);
if (!html.includes(script) || !html.includes(stylesheet)) throw new Error('build: index.html lost its bundle references');
await writeFile(path.join(outdir, 'index.html'), html);

// Gzip siblings, and the size table.
const files = ['index.html', script, stylesheet];
let raw = 0, gz = 0;
const rows = [];
for (const name of files) {
  const body = await readFile(path.join(outdir, name));
  const zipped = gzipSync(body, { level: zlib.Z_BEST_COMPRESSION });
  await writeFile(path.join(outdir, `${name}.gz`), zipped);
  raw += body.length;
  gz += zipped.length;
  rows.push([name, body.length, zipped.length]);
}
rows.push(['total', raw, gz]);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const width = Math.max(...rows.map((r) => r[0].length));
for (const [name, r, z] of rows) {
  console.log(`  ${name.padEnd(width)}  ${kib(r).padStart(10)}  gzip ${kib(z).padStart(9)}`);
}
await writeFile(path.join(outdir, 'build.json'), `${JSON.stringify({ script, stylesheet, bytes: raw, gzipBytes: gz, files: rows }, null, 2)}\n`);
