import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * `<dataDir>/api-keys.not-yet-shown`: made with the generated keys, removed once they were printed
 * to a terminal after the port was bound. A start that fails before that (EADDRINUSE, a bad rate
 * card) leaves it, so the next start still shows the keys.
 */
export function unshownMarkerOf(dataDir: string): string {
  return path.join(dataDir, 'api-keys.not-yet-shown');
}

/** Where the keys may be printed: a terminal only, never a pipe or a file that log shipping reads. */
export interface KeyTerminal {
  readonly stdoutIsTty: boolean;
  readonly stderrIsTty: boolean;
  write(fd: 1 | 2, text: string): void;
}

export const processTerminal: KeyTerminal = {
  stdoutIsTty: process.stdout.isTTY === true,
  stderrIsTty: process.stderr.isTTY === true,
  write: (fd, text) => fs.writeSync(fd, text),
};

/**
 * Prints the generated keys once, after listen: on stdout when it is a terminal, else on stderr
 * when that is one. With no terminal at all (a container, a service manager) nothing secret is
 * printed: one line on stderr points at the file, and the marker stays for a start on a terminal.
 */
export function showGeneratedKeysOnce(dataDir: string, terminal: KeyTerminal = processTerminal): void {
  const marker = unshownMarkerOf(dataDir);
  if (!fs.existsSync(marker)) return;
  const file = path.join(dataDir, 'api-keys');
  const fd = terminal.stdoutIsTty ? 1 : terminal.stderrIsTty ? 2 : undefined;
  if (fd === undefined) {
    terminal.write(
      2,
      `ledger: API keys were generated in ${file} (role@keyId:key, owner-only); no terminal to show them on\n`,
    );
    return;
  }
  // Several servers may start on one data dir: the one that takes the marker prints.
  const claimed = `${marker}.${process.pid}`;
  try {
    fs.renameSync(marker, claimed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const entries = fs
      .readFileSync(file, 'utf8')
      .split(/[,\n]/)
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    const lines = entries.map((entry) => `  ${entry}\n`).join('');
    terminal.write(fd, `\nAPI keys (role@keyId:key), shown once; they stay in ${file}:\n${lines}\n`);
    fs.rmSync(claimed, { force: true });
  } catch (error) {
    fs.renameSync(claimed, marker);
    throw error;
  }
}
