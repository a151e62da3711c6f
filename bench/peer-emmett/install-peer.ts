import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

/** sqlite3 has no prebuilt binary reachable here and compiles from source: minutes on two cores. */
const INSTALL_TIMEOUT_MS = 20 * 60_000;

const PACKAGES = ['@event-driven-io/emmett', '@event-driven-io/emmett-sqlite', 'sqlite3'] as const;

/** Where the peer lives: its own package.json and lock, so the root `npm ci` and CI never install it. */
export function peerDir(root: string): string {
  return path.join(root, 'bench', 'peer-emmett');
}

/** A require that resolves from the peer's own node_modules, never the ledger's. */
export function requireFromPeer(root: string): NodeJS.Require {
  return createRequire(path.join(peerDir(root), 'package.json'));
}

/** Loads (sqlite3's native binding included), so a half-built install counts as missing. */
function installed(root: string): boolean {
  try {
    const requirePeer = requireFromPeer(root);
    for (const name of PACKAGES) requirePeer(name);
    return true;
  } catch {
    return false;
  }
}

/** `npm ci --prefix bench/peer-emmett` when the peer is missing; throws before any figure is measured. */
export function ensurePeerInstalled(root: string): void {
  if (installed(root)) return;
  const dir = peerDir(root);
  console.error(
    `bench: installing the Emmett peer in ${path.relative(root, dir)} (sqlite3 compiles from source)`,
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['ci', '--prefix', dir, '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: INSTALL_TIMEOUT_MS,
  });
  if (run.status !== 0 || !installed(root)) {
    throw new Error(
      `npm ci --prefix ${dir} failed (status ${run.status}, ${run.error?.message ?? 'no error'})`,
    );
  }
}

/** The versions actually installed, for the figure's note. */
export function peerVersions(root: string): string {
  return PACKAGES.slice(0, 2)
    .map((name) => {
      const manifest = path.join(peerDir(root), 'node_modules', name, 'package.json');
      const { version } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string };
      return `${name.replace('@event-driven-io/', '')} ${version}`;
    })
    .join(', ');
}
