#!/usr/bin/env node
// Bundles the console (apps/console/src) into one script, one stylesheet and the page, for the ledger
// to serve at /console. No CDN at run time: Preact is bundled in. `node apps/console/build.js [outDir]`.
'use strict';
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const source = path.join(__dirname, 'src');

/** Builds into outDir (default dist/console); resolves when the files are written. */
async function buildConsole(outDir = path.join(root, 'dist', 'console')) {
  fs.mkdirSync(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: { app: path.join(source, 'main.tsx') },
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'iife',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: outDir,
    logLevel: 'warning',
    legalComments: 'eof',
  });
  fs.copyFileSync(path.join(source, 'index.html'), path.join(outDir, 'index.html'));
  fs.copyFileSync(path.join(source, 'console.css'), path.join(outDir, 'console.css'));
  return outDir;
}

module.exports = { buildConsole };

if (require.main === module) {
  buildConsole(process.argv[2]).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
