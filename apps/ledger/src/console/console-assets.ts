import * as fs from 'node:fs';
import * as path from 'node:path';

/** One built file of the console, held in memory: the page is a few small files, read once. */
export interface ConsoleAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/** A built file name: no directory part, so nothing outside the build directory can be named. */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Where `npm run build:console` writes the page: `dist/console` under the package root, found by
 * walking up from this file (it runs from `apps/…` under ts-jest and from `dist/apps/…` when built).
 */
export function defaultConsoleDir(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'dist', 'console');
    const parent = path.dirname(dir);
    if (parent === dir) return path.join(from, 'console');
    dir = parent;
  }
}

/** The built console, or undefined when it was never built (the page then says how to build it). */
export function loadConsoleAssets(dir: string): ReadonlyMap<string, ConsoleAsset> | undefined {
  if (!fs.existsSync(path.join(dir, 'index.html'))) return undefined;
  const assets = new Map<string, ConsoleAsset>();
  for (const name of fs.readdirSync(dir)) {
    const contentType = CONTENT_TYPES[path.extname(name)];
    if (!ASSET_NAME.test(name) || contentType === undefined) continue;
    const file = path.join(dir, name);
    if (!fs.statSync(file).isFile()) continue;
    assets.set(name, { body: fs.readFileSync(file), contentType });
  }
  return assets;
}
