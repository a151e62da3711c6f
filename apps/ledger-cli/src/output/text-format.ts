/** Small renderers for terminal output: times, counts and durations the way a person reads them. */

/** `2026-11-03 14:00` (UTC; the header says so once), with seconds only when they are not zero. */
export function shortTime(iso: string | null): string {
  if (iso === null) return '—';
  return iso.replace('T', ' ').replace(/(?::00)?(?:\.\d+)?Z$/, '');
}

export function count(n: number | bigint): string {
  return n.toLocaleString('en-US');
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Fits `text` into `width` characters: padded, or cut with an ellipsis. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (text.length > width) return `${text.slice(0, Math.max(width - 1, 0))}…`;
  return align === 'left' ? text.padEnd(width) : text.padStart(width);
}

export interface Column {
  readonly title: string;
  readonly width: number;
  readonly align?: 'left' | 'right';
}

/**
 * Fixed-width rows, so a long timeline can be printed page by page as it is read. The last
 * column is never cut: it holds the free-length detail.
 */
export class FixedWidthTable {
  constructor(private readonly columns: readonly Column[]) {}

  header(): string {
    const titles = this.row(this.columns.map((c) => c.title));
    return `${titles}\n${'─'.repeat(titles.length)}\n`;
  }

  row(cells: readonly string[]): string {
    return this.columns
      .map((column, i) => {
        const cell = cells[i] ?? '';
        return i === this.columns.length - 1 ? cell : fit(cell, column.width, column.align);
      })
      .join('  ')
      .trimEnd();
  }
}

/** Aligned `label  value` lines for summaries. */
export function keyValueLines(pairs: readonly (readonly [string, string])[], indent = '  '): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}\n`).join('');
}
