import {
  creditsFromStored,
  formatCredits,
  msFromStored,
  type Allocation,
  type EpochMs,
  type HoldLine,
  type HoldState,
  type HoldStatus,
} from '@ledger/domain';

/**
 * One hold as the `holds` table keeps it. A hold id is an idempotency key *per account stream*
 * (`hold:<holdId>`), so two accounts may each hold a hold of the same id: the table is keyed by
 * (account_id, hold_id), and lookups by hold id alone (`HoldQuery`) answer the single hold or
 * report the ambiguity (`AmbiguousHoldIdError`), never pick one.
 * Amounts are micro-credits (INTEGER); lines, window instances and allocations are JSON as the
 * event recorded them (allocations' credits are decimal strings).
 */
export interface HoldDbRow {
  readonly account_id: string;
  readonly hold_id: string;
  readonly status: HoldStatus;
  readonly product: string;
  readonly lines: string;
  readonly allowance_units: number;
  readonly held_windows: string;
  readonly credits: bigint;
  readonly allocations: string;
  readonly expires_at: number;
  readonly usage_id: string | null;
  readonly placed_position: bigint;
  readonly closed_position: bigint | null;
}

/** The window instance a hold keeps its units in, as HoldPlaced recorded it (ISO times). */
export interface HeldWindowJson {
  readonly window: string;
  readonly startedAt: string;
  readonly resetsAt: string;
}

/** `GET /v1/holds/{holdId}` (API.md "Holds and reversals"). */
export interface HoldView {
  readonly holdId: string;
  readonly accountId: string;
  readonly status: HoldStatus;
  readonly lines: readonly HoldLine[];
  readonly held: {
    readonly allowanceUnits: number;
    readonly credits: string;
    readonly allocations: readonly Allocation[];
  };
  readonly expiresAt: string;
  /** Only once settled: the usage id of the settlement. */
  readonly usageId?: string;
}

export function holdViewOf(row: HoldDbRow): HoldView {
  const view: HoldView = {
    holdId: row.hold_id,
    accountId: row.account_id,
    status: row.status,
    lines: JSON.parse(row.lines) as HoldLine[],
    held: {
      allowanceUnits: Number(row.allowance_units),
      credits: formatCredits(BigInt(row.credits)),
      allocations: JSON.parse(row.allocations) as Allocation[],
    },
    expiresAt: new Date(Number(row.expires_at)).toISOString(),
  };
  return row.usage_id === null ? view : { ...view, usageId: row.usage_id };
}

/** The decider's shape of an open hold (AccountState.holds), rebuilt from a row. */
export function holdStateOf(row: HoldDbRow): HoldState {
  const windows = JSON.parse(row.held_windows) as HeldWindowJson[];
  const allocations = JSON.parse(row.allocations) as Allocation[];
  return {
    holdId: row.hold_id,
    product: row.product,
    lines: JSON.parse(row.lines) as HoldLine[],
    expiresAt: Number(row.expires_at) as EpochMs,
    allowanceUnits: Number(row.allowance_units),
    windows: windows.map((w) => ({ name: w.window, startedAt: msFromStored(w.startedAt) })),
    credits: BigInt(row.credits),
    allocations: allocations.map((a) => ({ grantId: a.grantId, credits: creditsFromStored(a.credits) })),
  };
}
