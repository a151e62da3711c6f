#!/usr/bin/env node
// `npm start` (prestart) and `npm ci` (prepare): compile only when a source is newer than the build,
// so a start after install takes about a second instead of a full `tsc` run every time.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { root, isBuildFresh } = require('./build-freshness');

// `npm ci` in the Dockerfile's first layer runs before the sources are copied: nothing to build yet.
if (!fs.existsSync(path.join(root, 'apps'))) process.exit(0);
const targets = ['dist/apps/ledger/src/main.js', 'dist/apps/ledger-cli/src/main.js', 'dist/console/app.js'];
if (targets.every(isBuildFresh)) process.exit(0);
console.error('building the ledger (sources are newer than dist/)…');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
