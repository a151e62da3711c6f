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
/**
 * Open holds an account may have at once. Every decision on the account looks at each open hold
 * (what it keeps in each window, its expiry) and every hold event copies the open set, so a client
 * that places holds and never settles them (up to a day each) would make that account's every
 * request — and the node's one request thread — slower without end. Past this, a placement is a
 * 409 with nothing recorded until one settles, is released or expires. Tasks that run at once for
 * one account are far fewer.
 */
export const MAX_OPEN_HOLDS = 1_000;

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
