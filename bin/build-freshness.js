// Whether dist/ holds a build at least as new as every TypeScript source under apps/ and libs/.
// Shared by `npx ledger` (runs the built CLI when fresh) and `npm start`/`npm ci` (build only when stale).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function newestSourceTime() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.tsx?$/.test(entry.name)) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  for (const dir of ['apps', 'libs']) walk(path.join(root, dir));
  return newest;
}

/** True when `builtFile` (relative to the repo root) exists and is at least as new as the sources. */
function isBuildFresh(builtFile) {
  try {
    return fs.statSync(path.join(root, builtFile)).mtimeMs >= newestSourceTime();
  } catch {
    return false;
  }
}

module.exports = { root, isBuildFresh };
