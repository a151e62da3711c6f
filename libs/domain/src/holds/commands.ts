import type { CommandMetadata } from '../account/commands';

/** Holds (SPEC §6): commands of the account stream, decided in this module. */
interface Command<T extends string, D> {
  readonly type: T;
  readonly data: Readonly<D>;
  readonly metadata: CommandMetadata;
}

export interface HoldLine {
  readonly operation: string;
  readonly quantity: number;
}

/** A hold lives at most a day; an hour unless the caller says otherwise. */
export const DEFAULT_HOLD_TTL_SECONDS = 3600;
export const MAX_HOLD_TTL_SECONDS = 86_400;
/** "Put a limit on everything": a hold or a settlement names at most this many lines. */
export const MAX_HOLD_LINES = 100;

export type PlaceHold = Command<
  'PlaceHold',
  {
    holdId: string;
    accountId: string;
    product: string;
    lines: readonly HoldLine[];
    ttlSeconds?: number;
  }
>;
export type SettleHold = Command<
  'SettleHold',
  { holdId: string; accountId: string; usageId: string; lines: readonly HoldLine[] }
>;
export type ReleaseHold = Command<'ReleaseHold', { holdId: string; accountId: string; reason: string }>;
/** Issued by the scheduler; the lazy expiry in `decide` does the work, so this is idempotent by value. */
export type ExpireHold = Command<'ExpireHold', { holdId: string; accountId: string }>;

export type HoldCommand = PlaceHold | SettleHold | ReleaseHold | ExpireHold;
