// Loads web/src TypeScript modules into a node test: esbuild bundles the module (and what it
// imports from src/) into one ES module under node_modules/.cache, which is then imported. Bare
// package imports stay external and resolve from web/node_modules as usual.

import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cacheDir = path.join(webDir, 'node_modules', '.cache', 'tallyhub-web-test');

/**
 * Bundles `entry` (relative to web/, e.g. 'src/model.ts') and imports it.
 * `options` go to esbuild (plugins, define, …); `name` names the output file.
 */
export async function loadTs(entry, { name, ...options } = {}) {
  mkdirSync(cacheDir, { recursive: true });
  const outfile = path.join(cacheDir, `${name ?? entry.replace(/[/.]/g, '_')}-${process.pid}.mjs`);
  await build({
    absWorkingDir: webDir,
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node18',
    packages: 'external',
    logLevel: 'error',
    ...options,
  });
  return import(`${pathToFileURL(outfile).href}?v=${Date.now()}`);
}
