/** Display helpers. Credits stay decimal strings: the console never does arithmetic on an amount. */

/** "2h 14m", "3d 4h", "45s": how long from `now` until `at`. */
export function durationUntil(at: string, now: string): string {
  const ms = Date.parse(at) - Date.parse(now);
  if (ms <= 0) return 'now';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

/** "2026-11-01 05:00:00 UTC": the ledger's times are UTC; so is every time the console shows. */
export function utc(at: string | null | undefined): string {
  if (!at) return '—';
  return at.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') + ' UTC';
}

/** The value of an `<input type="datetime-local">`, read as UTC (the label says so). */
export function instantOfLocalInput(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  return `${value.length === 16 ? `${value}:00` : value}.000Z`;
}

/** The other way: an ISO instant as a datetime-local value, in UTC. */
export function localInputOf(at: string): string {
  return at.slice(0, 16);
}

/**
 * A decimal credit string as a plotting coordinate (pixels only: labels show the string itself).
 * Micro-credit precision is far below a pixel, so a float here cannot mislead.
 */
export function plotValue(credits: string): number {
  const value = Number(credits);
  return Number.isFinite(value) ? value : 0;
}

export function percent(used: number, limit: number): number {
  if (limit <= 0) return used > 0 ? 100 : 0;
  return Math.min(100, Math.round((used / limit) * 100));
}

/** The account's spending cap as the API gives it (`{ creditsPerMonth, spentThisMonth }`). */
export function spendingCapText(
  cap: { readonly creditsPerMonth: string | null; readonly spentThisMonth: string } | string | null,
): string {
  if (cap === null) return 'none';
  if (typeof cap === 'string') return cap;
  const spent = `${cap.spentThisMonth} spent this month`;
  return cap.creditsPerMonth === null ? `none (${spent})` : `${cap.creditsPerMonth} (${spent})`;
}
