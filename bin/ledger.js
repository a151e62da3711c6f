#!/usr/bin/env node
// `npx ledger …`: the support and finance CLI. Runs the built CLI when `npm run build` has made one
// at least as new as its sources, otherwise the TypeScript sources through the project's require
// hook (transpiled once, then cached), so it works on a fresh clone after `npm ci`.
'use strict';
const path = require('node:path');
const { root, isBuildFresh } = require('./build-freshness');

const builtFile = path.join('dist', 'apps', 'ledger-cli', 'src', 'main.js');
const built = path.join(root, builtFile);
const source = path.join(root, 'apps', 'ledger-cli', 'src', 'main.ts');

let entry = built;
if (!isBuildFresh(builtFile)) {
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
