import {
  msFromStored,
  type AccountEvent,
  type HeldWindow,
  type OpenWindow,
  type WindowSnapshot,
} from '@ledger/domain';

/** An account's organisation while it is a member (its plan is then the organisation's). */
export interface AllowanceMembership {
  readonly organizationId: string;
  /** The account's own plan, back when it leaves. */
  readonly ownPlan: string;
  readonly group: string | null;
}

/** What the allowance read model keeps per account: its plan, membership and the windows usage opened. */
export interface AllowanceState {
  readonly plan: string;
  readonly windows: readonly OpenWindow[];
  readonly membership?: AllowanceMembership | null;
}

/**
 * Pure reducer. Windows are copied from the decider's snapshots in the usage events (so the rate
 * card of the day never changes history); limits are not stored, they come from the plan at query
 * time ("new limits apply to the current windows"). Global resets are not folded in here: they
 * void windows lazily at query time, so a reset of everyone rewrites no row.
 */
export function evolveAllowance(
  state: AllowanceState | undefined,
  event: AccountEvent,
): AllowanceState | undefined {
  switch (event.type) {
    case 'AccountOpened':
      return { plan: event.data.plan, windows: [] };
    case 'PlanChanged':
      return state === undefined ? state : { ...state, plan: event.data.to };
    case 'JoinedOrganization': {
      if (state === undefined) return state;
      const { organizationId, plan, previousPlan, group } = event.data;
      return { ...state, plan, membership: { organizationId, ownPlan: previousPlan, group } };
    }
    case 'LeftOrganization':
      return state === undefined ? state : { ...state, plan: event.data.plan, membership: null };
    case 'UsageRecorded':
    case 'AccountLimitsReset':
    case 'HoldPlaced':
    case 'HoldSettled':
    case 'UsageReversed':
      return state === undefined ? state : { ...state, windows: evolveWindows(state.windows, event) };
    default:
      return state;
  }
}

/**
 * The open windows after an event: shared by the allowance read model and the timeline's state.
 * Rows keep the real `used`, never held units: a hold keeps its units against the window instance
 * (hold rows), as the decider does (libs/domain/src/holds/RULES.md).
 */
export function evolveWindows(windows: readonly OpenWindow[], event: AccountEvent): readonly OpenWindow[] {
  switch (event.type) {
    case 'AccountLimitsReset': {
      const { product } = event.data;
      return product === null ? [] : windows.filter((w) => w.product !== product);
    }
    case 'UsageRecorded':
    case 'HoldSettled':
      return withProductSnapshots(windows, event.data.product, event.data.windows);
    case 'HoldPlaced':
      return anchoredByHold(windows, event.data.product, event.data.heldIn);
    case 'UsageReversed': {
      const { product, windows: back } = event.data;
      return windows.map((w) => {
        const units = back.find(
          (b) => w.product === product && b.window === w.name && msFromStored(b.startedAt) === w.startedAt,
        );
        return units === undefined ? w : { ...w, used: w.used - units.units };
      });
    }
    default:
      return windows;
  }
}

/** A usage or a settlement records the product's windows after it: they replace the product's rows. */
function withProductSnapshots(
  windows: readonly OpenWindow[],
  product: string,
  snapshots: readonly WindowSnapshot[],
): readonly OpenWindow[] {
  const opened = snapshots.flatMap((w): OpenWindow[] =>
    w.startedAt === null || w.resetsAt === null
      ? []
      : [
          {
            product,
            name: w.window,
            startedAt: msFromStored(w.startedAt),
            resetsAt: msFromStored(w.resetsAt),
            used: w.used,
          },
        ],
  );
  return [...windows.filter((w) => w.product !== product), ...opened];
}

/** A hold that draws allowance anchors the window instance it holds in (used unchanged), as the decider does. */
function anchoredByHold(
  current: readonly OpenWindow[],
  product: string,
  held: readonly HeldWindow[],
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
