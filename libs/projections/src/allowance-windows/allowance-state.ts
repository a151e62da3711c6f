import { msFromStored, type AccountEvent, type OpenWindow } from '@ledger/domain';

/** What the allowance read model keeps per account: its plan and the windows usage opened. */
export interface AllowanceState {
  readonly plan: string;
  readonly windows: readonly OpenWindow[];
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
    case 'UsageRecorded':
    case 'AccountLimitsReset':
      return state === undefined ? state : { ...state, windows: evolveWindows(state.windows, event) };
    default:
      return state;
  }
}

/** The open windows after an event: shared by the allowance read model and the timeline's state. */
export function evolveWindows(windows: readonly OpenWindow[], event: AccountEvent): readonly OpenWindow[] {
  if (event.type === 'AccountLimitsReset') {
    const { product } = event.data;
    return product === null ? [] : windows.filter((w) => w.product !== product);
  }
  if (event.type !== 'UsageRecorded') return windows;
  const { product } = event.data;
  const opened = event.data.windows.flatMap((w): OpenWindow[] =>
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
