#!/usr/bin/env node
// `npx ledger …`: the support and finance CLI. Runs the built CLI when `npm run build` has made one
// at least as new as its sources, otherwise the TypeScript sources through the project's require
// hook (transpiled once, then cached), so it works on a fresh clone after `npm ci`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const built = path.join(root, 'dist', 'apps', 'ledger-cli', 'src', 'main.js');
const source = path.join(root, 'apps', 'ledger-cli', 'src', 'main.ts');

function newestSourceTime() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  for (const dir of ['apps', 'libs']) walk(path.join(root, dir));
  return newest;
}

function useBuilt() {
  try {
    return fs.statSync(built).mtimeMs >= newestSourceTime();
  } catch {
    return false;
  }
}

let entry = built;
if (!useBuilt()) {
  require(path.join(root, 'test', 'support', 'register-ts.js'));
  entry = source;
}
// `ledger export | head`: a reader that stops early is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { runCli } = require(entry);
runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
