import type { Allocation, WindowSnapshot } from '../account/events';
import type { AccountState, GrantState, OpenWindow } from '../account/state';
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

export interface HoldState {
  readonly holdId: string;
  readonly product: string;
  readonly lines: readonly HoldLine[];
  readonly status: HoldStatus;
  readonly expiresAt: EpochMs;
  readonly allowanceUnits: number;
  readonly windows: readonly { readonly name: string; readonly startedAt: EpochMs }[];
  readonly credits: Credits;
  readonly allocations: readonly HeldCredits[];
  readonly usageId: string | null;
}

/** Every hold of the stream by id (settled and released ones too: a late settle must name the state). */
export type HoldsState = ReadonlyMap<string, HoldState>;

export const noHolds = (): HoldsState => new Map();

/** The part of the account draft a hold event changes. */
export interface HoldsDraft {
  windows: readonly OpenWindow[];
  grants: readonly GrantState[];
  monthSpend: { readonly month: number; readonly credits: Credits };
  holds: HoldsState;
}

export function openHolds(holds: HoldsState): HoldState[] {
  const open: HoldState[] = [];
  for (const hold of holds.values()) if (hold.status === 'held') open.push(hold);
  return open;
}

/** Holds still `held` whose expiry has come (inclusive, like grant expiry), oldest first. */
export function holdsDue(holds: HoldsState, now: EpochMs): HoldState[] {
  return openHolds(holds)
    .filter((h) => now >= h.expiresAt)
    .sort((a, b) => a.expiresAt - b.expiresAt || (a.holdId < b.holdId ? -1 : 1));
}

/** Credits held by open holds, all products. */
export function heldCredits(holds: HoldsState): Credits {
  let held = 0n;
  for (const hold of openHolds(holds)) held += hold.credits;
  return held;
}

export function heldOnGrant(holds: HoldsState, grantId: string): Credits {
  let held = 0n;
  for (const hold of openHolds(holds)) {
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
  const open = openHolds(state.holds);
  if (open.length === 0) return state;
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
  for (const hold of openHolds(holds)) {
    if (hold.product !== product) continue;
    if (hold.windows.some((h) => h.name === name && h.startedAt === startedAt)) held += hold.allowanceUnits;
  }
  return held;
}

/**
 * Window snapshots decided on `withHoldsApplied` count held units in `used`; an event must record
 * the real `used` (evolve stores it), so they are moved to `held`. `remaining` stays as decided:
 * limit − used − held, what the caller may still use (API.md "Holds and reversals").
 */
export function snapshotsWithoutHeld(
  holds: HoldsState,
  snapshots: readonly WindowSnapshot[],
): readonly WindowSnapshot[] {
  if (openHolds(holds).length === 0) return snapshots;
  return snapshots.map((w) => {
    if (w.startedAt === null) return w;
    const held = heldUnitsIn(holds, w.product, w.window, msFromStored(w.startedAt));
    return held === 0 ? w : { ...w, used: w.used - held, held: (w.held ?? 0) + held };
  });
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
      draft.holds = withHold(draft.holds, {
        holdId: d.holdId,
        product: d.product,
        lines: d.lines,
        status: 'held',
        expiresAt: msFromStored(d.expiresAt),
        allowanceUnits: d.allowanceUnits,
        windows,
        credits: creditsFromStored(d.credits),
        allocations,
        usageId: null,
      });
      return;
    }
    case 'HoldReleased':
    case 'HoldExpired':
      release(draft, event.data.holdId, event.data.released);
      setStatus(draft, event.data.holdId, event.type === 'HoldReleased' ? 'released' : 'expired', null);
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
      setStatus(draft, d.holdId, 'settled', d.usageId);
      return;
    }
  }
}

function release(draft: HoldsDraft, _holdId: string, released: Released): void {
  // Only the returned part goes back; the `expired` part is written off with its grant.
  draft.grants = adjusted(draft.grants, released.allocations.map(heldOf), 1n);
}

function setStatus(draft: HoldsDraft, holdId: string, status: HoldStatus, usageId: string | null): void {
  const hold = draft.holds.get(holdId);
  if (hold === undefined) return;
  draft.holds = withHold(draft.holds, { ...hold, status, usageId });
}

const heldOf = (a: Allocation): HeldCredits => ({
  grantId: a.grantId,
  credits: creditsFromStored(a.credits),
});

function withHold(holds: HoldsState, hold: HoldState): HoldsState {
  const next = new Map(holds);
  next.set(hold.holdId, hold);
  return next;
}

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
