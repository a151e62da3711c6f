import { events, failure, repeatOf, stamped, type Decision, type DecisionContext } from '../account/decision';
import type { Allocation, WindowSnapshot } from '../account/events';
import type { AccountState } from '../account/state';
import { checkId, checkText, type Faults } from '../account/validate';
import { creditsFromStored, formatCredits, type Credits } from '../credits';
import { conflict, invalid, notFound } from '../errors';
import { isExpired } from '../expiry';
import { idempotencyKeys } from '../idempotency';
import { msFromStored, utcMonthOf, type EpochMs } from '../time';
import { isWindowLive } from '../windows';
import type { ReverseUsage } from './commands';
import type { UnitsBack } from './events';

/** What a recorded usage took: its product, credits per grant, and units per window instance. */
interface Taken {
  readonly product: string;
  readonly allowanceUnits: number;
  readonly recordedAt: EpochMs;
  readonly allocations: readonly Allocation[];
  readonly windows: readonly UnitsBack[];
}

/**
 * ReverseUsage (SPEC §6): the usage's credits go back to the grants they came from, or — where
 * that grant has expired or was refunded since — to one new promotional grant
 * `reversal-<reversalId>` (no expiry, every product); its units go back to the window instances it
 * was counted in that are still live. At most once per usage (409 after); idempotent by reversalId.
 */
export function decideReverseUsage(
  command: ReverseUsage,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const { data, metadata } = command;
  const now = metadata.now;
  const repeat = repeatOf(state.idempotency, idempotencyKeys.reversal(data.reversalId), metadata.fingerprint);
  if (repeat !== null) return repeat;
  const faults: Faults = [];
  checkId(faults, 'reversalId', data.reversalId);
  checkId(faults, 'usageId', data.usageId);
  checkText(faults, 'reason', data.reason);
  if (faults.length > 0) return failure(invalid(faults));
  const already = state.reversals.get(data.usageId);
  if (already !== undefined) {
    return failure(conflict(`usage "${data.usageId}" is already reversed (by "${already}")`));
  }
  // Not gated on the key being in state: the shell moves older keys to its own index, and reads
  // the event through it. The event must be this account's record of this usage id.
  const recorded = context.usageEventOf?.(data.usageId);
  if (
    recorded === undefined ||
    (recorded.type !== 'UsageRecorded' &&
      recorded.type !== 'UsageRejected' &&
      recorded.type !== 'HoldSettled') ||
    recorded.data.usageId !== data.usageId ||
    recorded.data.accountId !== state.accountId
  )
    return failure(notFound(`usage "${data.usageId}" not found on account "${data.accountId}"`));
  const taken = takenBy(recorded);
  if (taken === null) return failure(conflict(`usage "${data.usageId}" was rejected: nothing to reverse`));

  const back: Allocation[] = [];
  let regrant: Credits = 0n;
  let total: Credits = 0n;
  for (const a of taken.allocations) {
    const credits = creditsFromStored(a.credits);
    total += credits;
    const grant = state.grants.find((g) => g.grantId === a.grantId);
    if (grant !== undefined && grant.status === 'open' && !isExpired(grant, now)) back.push(a);
    else regrant += credits;
  }
  const plan = state.plan ?? '';
  const windows: UnitsBack[] = [];
  for (const w of taken.windows) {
    const startedAt = msFromStored(w.startedAt);
    const open = state.windows.find(
      (o) => o.product === taken.product && o.name === w.window && o.startedAt === startedAt,
    );
    if (open === undefined || !isWindowLive(open, now, plan, context.resets)) continue;
    const units = Math.min(w.units, open.used);
    if (units > 0) windows.push({ window: w.window, startedAt: w.startedAt, units });
  }
  const month = utcMonthOf(now);
  const spent = state.monthSpend.month === month ? state.monthSpend.credits : 0n;
  const monthCredits = utcMonthOf(taken.recordedAt) === month ? (total < spent ? total : spent) : 0n;
  return events({
    type: 'UsageReversed',
    data: stamped(data.accountId, metadata, context, {
      reversalId: data.reversalId,
      usageId: data.usageId,
      fingerprint: metadata.fingerprint,
      reason: data.reason,
      product: taken.product,
      allowanceUnits: taken.allowanceUnits,
      credits: formatCredits(total),
      allocations: back,
      regranted:
        regrant === 0n ? null : { grantId: `reversal-${data.reversalId}`, credits: formatCredits(regrant) },
      windows,
      monthCredits: formatCredits(monthCredits),
    }),
  });
}

/** Null for a rejected usage. A settlement's consumed units count only where its hold held them. */
function takenBy(event: NonNullable<ReturnType<NonNullable<DecisionContext['usageEventOf']>>>): Taken | null {
  const instances = (snapshots: readonly WindowSnapshot[], units: (w: WindowSnapshot) => number) =>
    snapshots.flatMap((w) =>
      w.startedAt === null || units(w) === 0
        ? []
        : [{ window: w.window, startedAt: w.startedAt, units: units(w) }],
    );
  if (event.type === 'UsageRecorded') {
    const d = event.data;
    return {
      product: d.product,
      allowanceUnits: d.allowanceUnits,
      recordedAt: msFromStored(d.recordedAt),
      allocations: merged(d.allocations),
      windows: instances(d.windows, () => d.allowanceUnits),
    };
  }
  if (event.type === 'HoldSettled') {
    const d = event.data;
    // From the event alone: the hold is closed, and closed holds keep only their status.
    const wasHeld = (w: WindowSnapshot) =>
      w.startedAt !== null && d.heldIn.some((h) => h.window === w.window && h.startedAt === w.startedAt);
    return {
      product: d.product,
      allowanceUnits: d.consumed.allowanceUnits + d.charged.allowanceUnits,
      recordedAt: msFromStored(d.recordedAt),
      allocations: merged([...d.consumed.allocations, ...d.charged.allocations]),
      windows: instances(
        d.windows,
        (w) => d.charged.allowanceUnits + (wasHeld(w) ? d.consumed.allowanceUnits : 0),
      ),
    };
  }
  return null;
}

/** One allocation per grant (a settlement may draw a grant both from its hold and beyond it). */
function merged(allocations: readonly Allocation[]): Allocation[] {
  const byGrant = new Map<string, Credits>();
  for (const a of allocations)
    byGrant.set(a.grantId, (byGrant.get(a.grantId) ?? 0n) + creditsFromStored(a.credits));
  return [...byGrant].map(([grantId, credits]) => ({ grantId, credits: formatCredits(credits) }));
}
