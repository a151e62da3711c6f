import { balanceOf } from '../allocate-credits';
import { formatCredits, type Credits } from '../credits';
import { notFound, type DomainError } from '../errors';
import { isExpired } from '../expiry';
import { planOf, type RateCard } from '../rate-card';
import { spentThisMonth } from '../spending-cap';
import { isoOf, type EpochMs } from '../time';
import { liveWindows, windowSnapshot } from '../windows';
import type { RecordUsageData } from './commands';
import type { DecisionContext } from './decision';
import { evaluateUsage } from './decide-usage';
import { heldCredits, heldOnGrant, snapshotsWithoutHeld, withHoldsApplied } from '../holds/state';
import type { RejectionReason } from './events';
import type { AccountState, GrantState } from './state';
import { windowView, type UsageOutcome, type WindowView } from './usage-outcome';

export type GrantStatus = 'active' | 'exhausted' | 'expired' | 'refunded';

export interface GrantView {
  readonly grantId: string;
  readonly kind: 'purchase' | 'promotional';
  readonly credits: string;
  /** What can still be drawn: 0 once expired or refunded. */
  readonly remaining: string;
  /** Kept by open holds (off `remaining`; a hold keeps its share even past the grant's expiry). */
  readonly held: string;
  readonly expiresAt: string | null;
  readonly products: readonly string[] | null;
  readonly priority: number;
  readonly status: GrantStatus;
}

/**
 * A window as the account and timeline views show it. A retired product refuses new usage, so its
 * windows are marked `retired: true` and have nothing `remaining`; `used` and the times stay, as
 * history for support.
 */
export type ProductWindowView = WindowView & { readonly retired?: true };

export function productWindowView(window: WindowView, rateCard: RateCard): ProductWindowView {
  if (!rateCard.products[window.product]?.retired) return window;
  return { ...window, remaining: 0, retired: true };
}

/** API.md `GET /v1/accounts/{id}`, computed from the decider state at ledger time `now`. */
export interface AccountView {
  readonly accountId: string;
  readonly plan: string;
  readonly windows: readonly ProductWindowView[];
  readonly credits: {
    readonly balance: string;
    readonly held: string;
    readonly grants: readonly GrantView[];
  };
  readonly spendingCap: { readonly creditsPerMonth: string | null; readonly spentThisMonth: string };
  /** Only while the account is a member of an organisation (SPEC §7): its plan is then the organisation's. */
  readonly organizationId?: string;
}

/**
 * `held`: credits of the grant kept by open holds. A grant whose whole remainder is held is still
 * `active` (the credits come back if the hold is released): `exhausted` only when nothing is left
 * and nothing of it is held. Expired and refunded win, as before.
 */
export function grantStatus(grant: GrantState, now: EpochMs, held: Credits = 0n): GrantStatus {
  if (grant.status === 'refunded') return 'refunded';
  if (grant.status === 'written_off' || isExpired(grant, now)) return 'expired';
  return grant.remaining === 0n && held === 0n ? 'exhausted' : 'active';
}

/** Null when the account is not open. Windows cover every product the plan has windows for. */
export function accountView(state: AccountState, now: EpochMs, context: DecisionContext): AccountView | null {
  if (state.accountId === null || state.plan === null) return null;
  const plan = state.plan;
  const entries = Object.entries(planOf(context.rateCard, plan)?.products ?? {});
  // Decided on the view with holds applied (remaining = limit − used − held), then split back.
  const applied = withHoldsApplied(state, now);
  const windows = entries.flatMap(([product, entry]) =>
    snapshotsWithoutHeld(
      state,
      liveWindows(applied.windows, product, entry.windows, plan, now, context.resets).map(windowSnapshot),
      now,
      context.resets,
    ).map((w) => productWindowView(windowView(w), context.rateCard)),
  );
  const grants = state.grants.map((g): GrantView => {
    const held = heldOnGrant(state.holds, g.grantId);
    const status = grantStatus(g, now, held);
    return {
      grantId: g.grantId,
      kind: g.kind,
      credits: formatCredits(g.credits),
      remaining: formatCredits(status === 'active' ? g.remaining : 0n),
      held: formatCredits(held),
      expiresAt: g.expiresAt === null ? null : isoOf(g.expiresAt),
      products: g.products,
      priority: g.priority,
      status,
    };
  });
  const view: AccountView = {
    accountId: state.accountId,
    plan,
    windows,
    credits: {
      balance: formatCredits(balanceOf(state.grants, now)),
      held: formatCredits(heldCredits(state.holds)),
      grants,
    },
    spendingCap: {
      creditsPerMonth: state.spendingCap === null ? null : formatCredits(state.spendingCap),
      spentThisMonth: formatCredits(spentThisMonth(state, now)),
    },
  };
  const organizationId = state.membership.organizationId;
  return organizationId === null ? view : { ...view, organizationId };
}

/** API.md `GET …/entitlements`: what recording this usage now would do. */
export interface Entitlement {
  readonly allowed: boolean;
  readonly outcome: 'accepted' | 'rejected';
  readonly reason: RejectionReason | null;
  readonly charged: UsageOutcome['charged'];
  readonly requiredCredits: string | null;
  readonly resetsAt: string | null;
}

/**
 * The dry run: the same evaluation `decide` makes for RecordUsage, with no idempotency and no
 * events. A usageId is not needed; validation of product, operation and quantity still applies.
 */
export function entitlement(
  state: AccountState,
  usage: Pick<RecordUsageData, 'product' | 'operation' | 'quantity'>,
  now: EpochMs,
  context: DecisionContext,
):
  | { readonly ok: true; readonly entitlement: Entitlement }
  | { readonly ok: false; readonly error: DomainError } {
  if (state.accountId === null) return { ok: false, error: notFound('account is not open') };
  // Held units and credits are not available to it (SPEC §6), as for RecordUsage.
  const result = evaluateUsage(
    withHoldsApplied(state, now),
    { ...usage, usageId: 'dry-run', accountId: state.accountId },
    now,
    context,
  );
  if (!result.ok) return result;
  const e = result.evaluation;
  if (!e.accepted) {
    return {
      ok: true,
      entitlement: {
        allowed: false,
        outcome: 'rejected',
        reason: e.reason,
        charged: { allowanceUnits: 0, credits: '0', allocations: [] },
        requiredCredits: formatCredits(e.price.overageCredits),
        resetsAt: e.resetsAt === null ? null : isoOf(e.resetsAt),
      },
    };
  }
  return {
    ok: true,
    entitlement: {
      allowed: true,
      outcome: 'accepted',
      reason: null,
      charged: {
        allowanceUnits: e.price.allowanceUnits,
        credits: formatCredits(e.price.overageCredits),
        allocations: e.allocations.map((a) => ({ grantId: a.grantId, credits: formatCredits(a.credits) })),
      },
      requiredCredits: null,
      resetsAt: null,
    },
  };
}
