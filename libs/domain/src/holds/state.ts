import type { AccountEvent, Allocation, WindowSnapshot } from '../account/events';
import { AppendOnlyIndex } from '../append-only-index';
import type { AccountState, GrantState, OpenWindow } from '../account/state';
import type { GlobalLimitsReset } from '../limits-resets/limits-resets';
import { isWindowLive } from '../windows';
import { creditsFromStored, type Credits } from '../credits';
import { msFromStored, utcMonthOf, type EpochMs } from '../time';
import type { HoldLine } from './commands';
import type { HoldEvent, Released } from './events';

/**
 * The holds slice of AccountState. Held credits are taken off their grants' `remaining` when the
 * hold is placed (so no other usage or hold can draw them) and kept here, per grant, in burn
 * order. Held units are NOT added to a window's `used`: they are kept here against the window
 * instance (name + startedAt) they were held in, and `withHoldsApplied` counts them only while
 * that instance is live — so a window that ends or is reset takes its held units with it.
 */
export interface HeldCredits {
  readonly grantId: string;
  readonly credits: Credits;
}

export type HoldStatus = 'held' | 'settled' | 'released' | 'expired';

/** An open hold (status `held`): what it keeps, where, and until when. */
export interface HoldState {
  readonly holdId: string;
  readonly product: string;
  readonly lines: readonly HoldLine[];
  readonly expiresAt: EpochMs;
  readonly allowanceUnits: number;
  /**
   * The window instances its units are held in. A reference is dropped when an event removes its
   * instance in the millisecond it started (`lapsingIn`): a successor could have the same
   * startedAt. Any other ended instance differs from its successors by startedAt.
   */
  readonly windows: readonly { readonly name: string; readonly startedAt: EpochMs }[];
  readonly credits: Credits;
  readonly allocations: readonly HeldCredits[];
}

/** What is left of a hold once it ended: enough to name its state (a late settle or release is a 409). */
export interface ClosedHold {
  readonly status: Exclude<HoldStatus, 'held'>;
  /** The settlement's usage id; null when released or expired. */
  readonly usageId: string | null;
}

/**
 * The open holds by id — only those: every decision iterates them (usage, placement, expiry), so
 * the map stays as small as what is held now and is copied on each hold event.
 */
export type HoldsState = ReadonlyMap<string, HoldState>;

/**
 * Holds that ended, by id: never iterated by a decision, only looked up. An `AppendOnlyIndex`
 * (written in place when folding forward), so it grows without a copy per event.
 */
export type ClosedHoldsState = ReadonlyMap<string, ClosedHold>;

export const noHolds = (): HoldsState => new Map();
export const noClosedHolds = (): ClosedHoldsState => AppendOnlyIndex.empty();

/** Where a hold stands: open, or how it ended; undefined when the account never had it. */
export function holdStatusOf(
  state: { readonly holds: HoldsState; readonly closedHolds: ClosedHoldsState },
  holdId: string,
): HoldStatus | undefined {
  if (state.holds.has(holdId)) return 'held';
  return state.closedHolds.get(holdId)?.status;
}

/** The part of the account draft a hold event changes. */
export interface HoldsDraft {
  windows: readonly OpenWindow[];
  grants: readonly GrantState[];
  monthSpend: { readonly month: number; readonly credits: Credits };
  holds: HoldsState;
  closedHolds: ClosedHoldsState;
}

/** The open holds (all of `holds`), as a list. */
export function openHolds(holds: HoldsState): HoldState[] {
  return [...holds.values()];
}

/** Open holds whose expiry has come (inclusive, like grant expiry), oldest first. */
export function holdsDue(holds: HoldsState, now: EpochMs): HoldState[] {
  // Every decision asks: no copy of the open set unless one is due.
  const due: HoldState[] = [];
  for (const hold of holds.values()) if (now >= hold.expiresAt) due.push(hold);
  return due.length < 2
    ? due
    : due.sort((a, b) => a.expiresAt - b.expiresAt || (a.holdId < b.holdId ? -1 : 1));
}

/** heldCredits per open set: a set is never changed (a hold event makes a new one), so its sum neither. */
const heldCreditsOf = new WeakMap<HoldsState, Credits>();

/** Credits held by open holds, all products. */
export function heldCredits(holds: HoldsState): Credits {
  if (holds.size === 0) return 0n;
  const known = heldCreditsOf.get(holds);
  if (known !== undefined) return known;
  let held = 0n;
  for (const hold of holds.values()) held += hold.credits;
  heldCreditsOf.set(holds, held);
  return held;
}

export function heldOnGrant(holds: HoldsState, grantId: string): Credits {
  let held = 0n;
  for (const hold of holds.values()) {
    for (const a of hold.allocations) if (a.grantId === grantId) held += a.credits;
  }
  return held;
}

/**
 * The state as any new usage, hold or entitlement must see it: each live window's `used` plus the
 * units open holds keep in that very window instance, and the month's spending plus the credits
 * open holds keep (the cap counts them: a hold promises to spend). Grants need nothing: held
 * credits already left `remaining`. Only for deciding; never stored.
 */
export function withHoldsApplied(state: AccountState, now: EpochMs): AccountState {
  if (state.holds.size === 0) return state;
  const windows = state.windows.map((w) => {
    const held = heldUnitsIn(state.holds, w.product, w.name, w.startedAt);
    return held === 0 ? w : { ...w, used: w.used + held };
  });
  const month = utcMonthOf(now);
  const spent = state.monthSpend.month === month ? state.monthSpend.credits : 0n;
  return { ...state, windows, monthSpend: { month, credits: spent + heldCredits(state.holds) } };
}

/** Units open holds keep in the window instance (product, name, startedAt). */
export function heldUnitsIn(holds: HoldsState, product: string, name: string, startedAt: EpochMs): number {
  let held = 0;
  for (const hold of holds.values()) {
    if (hold.product !== product) continue;
    if (hold.windows.some((h) => h.name === name && h.startedAt === startedAt)) held += hold.allowanceUnits;
  }
  return held;
}

/**
 * Units open holds keep in the window a decided snapshot shows, when that snapshot continues the
 * state's window instance (same product, name and startedAt, and live at `now`). A window the
 * decision opened (the state's was dead or gone, e.g. reset in this very millisecond) has none,
 * whatever its startedAt: only a live state window was given held units by `withHoldsApplied`.
 */
export function heldInSnapshot(
  state: AccountState,
  snapshot: WindowSnapshot,
  now: EpochMs,
  resets: readonly GlobalLimitsReset[],
): number {
  if (state.holds.size === 0 || snapshot.startedAt === null) return 0;
  const startedAt = msFromStored(snapshot.startedAt);
  const window = state.windows.find(
    (w) => w.product === snapshot.product && w.name === snapshot.window && w.startedAt === startedAt,
  );
  if (window === undefined || !isWindowLive(window, now, state.plan ?? '', resets)) return 0;
  return heldUnitsIn(state.holds, window.product, window.name, window.startedAt);
}

/**
 * Window snapshots decided on `withHoldsApplied(state)` count held units in `used`; an event must
 * record the real `used` (evolve stores it), so they are moved to `held`. `remaining` stays as
 * decided: limit − used − held, what the caller may still use (API.md "Holds and reversals").
 */
export function snapshotsWithoutHeld(
  state: AccountState,
  snapshots: readonly WindowSnapshot[],
  now: EpochMs,
  resets: readonly GlobalLimitsReset[],
): readonly WindowSnapshot[] {
  if (state.holds.size === 0) return snapshots;
  return snapshots.map((w) => {
    const held = heldInSnapshot(state, w, now, resets);
    return held === 0 ? w : { ...w, used: w.used - held, held: (w.held ?? 0) + held };
  });
}

type WindowRef = { readonly name: string; readonly startedAt: EpochMs };

/**
 * Which window references of open holds `event` makes lapse, or null when it lapses none: those
 * of an instance it removes from the account's windows in the millisecond the instance started.
 * Only such an instance can be confused with a successor (a window opens at the decision's time,
 * which never goes back on a stream — the shell decides at or after the stream's latest time —
 * so one that started earlier differs from every successor by its startedAt). Removing events:
 * AccountLimitsReset (every window of its product, or all), and UsageRecorded / HoldSettled,
 * which record all the product's windows after them (one not among them is gone: ended, voided,
 * or dropped by a plan without it). From the event alone, so a read model decides it alike.
 */
export function lapsingIn(event: AccountEvent): ((product: string, ref: WindowRef) => boolean) | null {
  switch (event.type) {
    case 'AccountLimitsReset': {
      const at = msFromStored(event.data.recordedAt);
      const only = event.data.product;
      return (product, ref) => (only === null || product === only) && ref.startedAt >= at;
    }
    case 'UsageRecorded':
    case 'HoldSettled': {
      const at = msFromStored(event.data.recordedAt);
      const { product: of, windows } = event.data;
      return (product, ref) =>
        product === of &&
        ref.startedAt >= at &&
        !windows.some(
          (w) => w.window === ref.name && w.startedAt !== null && msFromStored(w.startedAt) === ref.startedAt,
        );
    }
    default:
      return null;
  }
}

/**
 * The holds after `event` lapsed what it removed (`lapsingIn`): the units held in such an
 * instance lapse for good (holds/RULES.md 1), even when a window of the same name opens in the
 * same millisecond with the same startedAt. The same list back when nothing changed. Exported for
 * read models that keep open holds' windows: applied to them after each event, they stay equal
 * to the decider's.
 */
export function withoutLapsedWindows<
  H extends { readonly product: string; readonly windows: readonly WindowRef[] },
>(holds: readonly H[], event: AccountEvent): readonly H[] {
  if (holds.length === 0) return holds;
  const lapsing = lapsingIn(event);
  if (lapsing === null) return holds;
  let changed = false;
  const kept = holds.map((hold) => {
    const refs = hold.windows.filter((r) => !lapsing(hold.product, r));
    if (refs.length === hold.windows.length) return hold;
    changed = true;
    return { ...hold, windows: refs };
  });
  return changed ? kept : holds;
}

/** Called by the account `evolve` after every event: O(open holds) when it removes windows, else nothing. */
export function lapseHeldWindows(draft: HoldsDraft, event: AccountEvent): void {
  if (draft.holds.size === 0) return;
  const lapsing = lapsingIn(event);
  if (lapsing === null || !anyLapses(draft.holds, lapsing)) return;
  const open = openHolds(draft.holds);
  const kept = withoutLapsedWindows(open, event);
  if (kept === open) return;
  draft.holds = new Map(kept.map((h) => [h.holdId, h]));
}

/** Whether any open hold keeps a reference that lapses: a scan without a copy (every usage event asks). */
function anyLapses(holds: HoldsState, lapsing: (product: string, ref: WindowRef) => boolean): boolean {
  for (const hold of holds.values())
    for (const ref of hold.windows) if (lapsing(hold.product, ref)) return true;
  return false;
}

/** Folds one hold event into the draft (called by the account `evolve`; the index is kept there). */
export function applyHoldEvent(draft: HoldsDraft, event: HoldEvent): void {
  switch (event.type) {
    case 'HoldRejected':
      return;
    case 'HoldPlaced': {
      const d = event.data;
      const allocations = d.allocations.map(heldOf);
      draft.grants = adjusted(draft.grants, allocations, -1n);
      const windows = d.heldIn.map((w) => ({ name: w.window, startedAt: msFromStored(w.startedAt) }));
      draft.windows = anchored(draft.windows, d.product, d.heldIn);
      const holds = new Map(draft.holds);
      holds.set(d.holdId, {
        holdId: d.holdId,
        product: d.product,
        lines: d.lines,
        expiresAt: msFromStored(d.expiresAt),
        allowanceUnits: d.allowanceUnits,
        windows,
        credits: creditsFromStored(d.credits),
        allocations,
      });
      draft.holds = holds;
      return;
    }
    case 'HoldReleased':
    case 'HoldExpired':
      release(draft, event.data.holdId, event.data.released);
      close(draft, event.data.holdId, event.type === 'HoldReleased' ? 'released' : 'expired', null);
      return;
    case 'HoldSettled': {
      const d = event.data;
      release(draft, d.holdId, d.released);
      draft.grants = adjusted(draft.grants, d.charged.allocations.map(heldOf), -1n);
      draft.windows = withProductWindows(draft.windows, d.product, d.windows);
      const month = utcMonthOf(msFromStored(d.recordedAt));
      const spent = creditsFromStored(d.consumed.credits) + creditsFromStored(d.charged.credits);
      draft.monthSpend = {
        month,
        credits: (draft.monthSpend.month === month ? draft.monthSpend.credits : 0n) + spent,
      };
      close(draft, d.holdId, 'settled', d.usageId);
      return;
    }
  }
}

function release(draft: HoldsDraft, _holdId: string, released: Released): void {
  // Only the returned part goes back; the `expired` part is written off with its grant.
  draft.grants = adjusted(draft.grants, released.allocations.map(heldOf), 1n);
}

/** The hold leaves the open ones (a small copy) for the closed index (appended in place). */
function close(
  draft: HoldsDraft,
  holdId: string,
  status: ClosedHold['status'],
  usageId: string | null,
): void {
  const holds = new Map(draft.holds);
  holds.delete(holdId);
  draft.holds = holds;
  draft.closedHolds = AppendOnlyIndex.from(draft.closedHolds).with(holdId, { status, usageId });
}

const heldOf = (a: Allocation): HeldCredits => ({
  grantId: a.grantId,
  credits: creditsFromStored(a.credits),
});

/** Each named grant's remaining moved by sign × credits. */
function adjusted(
  grants: readonly GrantState[],
  allocations: readonly HeldCredits[],
  sign: 1n | -1n,
): readonly GrantState[] {
  if (allocations.length === 0) return grants;
  const moved = new Map<string, Credits>();
  for (const a of allocations) moved.set(a.grantId, (moved.get(a.grantId) ?? 0n) + a.credits);
  return grants.map((g) => {
    const credits = moved.get(g.grantId);
    return credits === undefined ? g : { ...g, remaining: g.remaining + sign * credits };
  });
}

/** A hold that draws allowance anchors the window it is held in, as usage would (used stays). */
function anchored(
  current: readonly OpenWindow[],
  product: string,
  held: readonly { window: string; startedAt: string; resetsAt: string }[],
): readonly OpenWindow[] {
  let windows = current;
  for (const h of held) {
    const startedAt = msFromStored(h.startedAt);
    const same = windows.find((w) => w.product === product && w.name === h.window);
    if (same !== undefined && same.startedAt === startedAt) continue;
    windows = [
      ...windows.filter((w) => !(w.product === product && w.name === h.window)),
      { product, name: h.window, startedAt, resetsAt: msFromStored(h.resetsAt), used: 0 },
    ];
  }
  return windows;
}

function withProductWindows(
  current: readonly OpenWindow[],
  product: string,
  after: readonly WindowSnapshot[],
): readonly OpenWindow[] {
  const windows: OpenWindow[] = current.filter((w) => w.product !== product);
  for (const w of after) {
    if (w.startedAt === null || w.resetsAt === null) continue;
    windows.push({
      product,
      name: w.window,
      startedAt: msFromStored(w.startedAt),
      resetsAt: msFromStored(w.resetsAt),
      used: w.used,
    });
  }
  return windows;
}
