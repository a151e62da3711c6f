import type { WindowSnapshot } from './account/events';
import type { OpenWindow } from './account/state';
import type { GlobalLimitsReset } from './limits-resets/limits-resets';
import type { WindowRule } from './rate-card';
import { isoOf, type EpochMs } from './time';

/**
 * Allowance windows (SPEC §2 "Windows"). A window opens at the first use after the previous one
 * ended and lasts `durationMs`; it is dead once `resetsAt` has passed or a reset voided it.
 */

/** A plan window as it stands now: `open` is null when no live window exists (next use opens one). */
export interface CurrentWindow {
  readonly product: string;
  readonly rule: WindowRule;
  readonly open: OpenWindow | null;
}

export function openWindow(product: string, rule: WindowRule, now: EpochMs): OpenWindow {
  return { product, name: rule.name, startedAt: now, resetsAt: now + rule.durationMs, used: 0 };
}

/**
 * A global reset voids a window when it applies to the account (scope all, or scope plan naming
 * the account's current plan), to the product (no product filter, or the same product), and
 * happened after the window started. Strictly after: a window opened in the very millisecond of
 * a reset is not voided, otherwise every use in that millisecond would open a fresh window.
 */
export function resetVoidsWindow(reset: GlobalLimitsReset, window: OpenWindow, plan: string): boolean {
  const appliesToAccount = reset.scope === 'all' || reset.plan === plan;
  const appliesToProduct = reset.product === null || reset.product === window.product;
  return appliesToAccount && appliesToProduct && reset.resetAt > window.startedAt;
}

export function isWindowLive(
  window: OpenWindow,
  now: EpochMs,
  plan: string,
  resets: readonly GlobalLimitsReset[],
): boolean {
  return now < window.resetsAt && !resets.some((r) => resetVoidsWindow(r, window, plan));
}

/** The product's plan windows as they stand at `now`, each with its live open window if any. */
export function liveWindows(
  opened: readonly OpenWindow[],
  product: string,
  rules: readonly WindowRule[],
  plan: string,
  now: EpochMs,
  resets: readonly GlobalLimitsReset[],
): CurrentWindow[] {
  return rules.map((rule) => {
    const found = opened.find((w) => w.product === product && w.name === rule.name);
    const open = found !== undefined && isWindowLive(found, now, plan, resets) ? found : null;
    return { product, rule, open };
  });
}

/** Never negative: after a plan change down, used may exceed the new limit. */
export function remainingOf(window: CurrentWindow): number {
  return Math.max(0, window.rule.limitUnits - (window.open?.used ?? 0));
}

/** The allowance left for a product: the minimum over its windows; no windows → no allowance. */
export function allowanceRemaining(windows: readonly CurrentWindow[]): number {
  if (windows.length === 0) return 0;
  let least = Infinity;
  for (const w of windows) least = Math.min(least, remainingOf(w));
  return least;
}

/** Counts `units` against every window of the product, opening those that are not live. */
export function chargeWindows(
  windows: readonly CurrentWindow[],
  units: number,
  now: EpochMs,
): CurrentWindow[] {
  if (units === 0) return [...windows];
  return windows.map((w) => {
    const open = w.open ?? openWindow(w.product, w.rule, now);
    return { product: w.product, rule: w.rule, open: withUsed(open, open.used + units) };
  });
}

/** Spelled out, not spread: V8's slow path for `{ ...a, x }` showed in every decision. */
function withUsed(window: OpenWindow, used: number): OpenWindow {
  return {
    product: window.product,
    name: window.name,
    startedAt: window.startedAt,
    resetsAt: window.resetsAt,
    used,
  };
}

/**
 * When the allowance will next cover `units` (the `resetsAt` of a rejection): the latest
 * `resetsAt` among the windows that block it (remaining < units), because each must have reset,
 * and a fresh window has its full limit. Null when no wait helps: the operation draws no
 * allowance, the plan has no windows for the product, or some window's limit is below `units`.
 */
export function allowanceResetsAt(windows: readonly CurrentWindow[], units: number): EpochMs | null {
  if (units === 0 || windows.length === 0) return null;
  if (windows.some((w) => w.rule.limitUnits < units)) return null;
  const blocking = windows.filter((w) => remainingOf(w) < units && w.open !== null);
  if (blocking.length === 0) return null;
  return Math.max(...blocking.map((w) => (w.open as OpenWindow).resetsAt));
}

/** A window with no hold in it (`held` 0); `snapshotsWithoutHeld` (holds/state.ts) splits a view's `used`. */
export function windowSnapshot(window: CurrentWindow): WindowSnapshot {
  return {
    product: window.product,
    window: window.rule.name,
    used: window.open?.used ?? 0,
    held: 0,
    limit: window.rule.limitUnits,
    remaining: remainingOf(window),
    startedAt: window.open === null ? null : isoOf(window.open.startedAt),
    resetsAt: window.open === null ? null : isoOf(window.open.resetsAt),
  };
}

/** Integer percentage for display, rounded down; a zero limit reads as full. */
export function usedPercent(used: number, limit: number): number {
  return limit === 0 ? 100 : Math.floor((used * 100) / limit);
}
