import fc from 'fast-check';

/**
 * The random workload of holds-engines.property.spec.ts, as data: commands name an account by
 * index and earlier holds, usages and purchases by index (resolved when the command is sent, against
 * what the run has sent so far), so fast-check can generate, print and replay a run from its seed.
 */
export const HOUR = 3_600_000;

export interface Line {
  readonly operation: string;
  readonly quantity: number;
}

export type SettleMode = 'within' | 'exact' | 'beyond';

export type Cmd =
  | { readonly kind: 'purchase'; readonly a: number; readonly credits: string; readonly expiryH?: number }
  | {
      readonly kind: 'grant';
      readonly a: number;
      readonly credits: string;
      readonly expiryH?: number;
      readonly priority: number;
    }
  | { readonly kind: 'usage'; readonly a: number; readonly line: Line }
  | { readonly kind: 'hold'; readonly a: number; readonly lines: readonly Line[]; readonly ttl: number }
  /** Settle the k-th hold of the account (open ones first) within, exactly at, or beyond its lines. */
  | {
      readonly kind: 'settle';
      readonly a: number;
      readonly k: number;
      readonly mode: SettleMode;
      readonly factor: number;
    }
  | { readonly kind: 'release'; readonly a: number; readonly k: number }
  | { readonly kind: 'reverse'; readonly a: number; readonly k: number }
  | { readonly kind: 'refund'; readonly a: number; readonly k: number }
  | { readonly kind: 'cap'; readonly a: number; readonly credits: string | null }
  | { readonly kind: 'plan'; readonly a: number; readonly plan: string }
  | { readonly kind: 'accountReset'; readonly a: number }
  | { readonly kind: 'globalReset' }
  /**
   * Move the clock: through POST /v1/admin/clock (which runs the expiry sweep), or on the clock
   * object alone (no sweep: the next command of an account meets its due holds on the lazy path).
   */
  | { readonly kind: 'advance'; readonly ms: number; readonly sweep: boolean }
  /** Several commands on one account at once (Promise.all): holds, usage, settlements racing for the last credits. */
  | { readonly kind: 'burst'; readonly a: number; readonly cmds: readonly Cmd[] }
  /** One new request sent twice at once (a client's retry racing its first try): one decision, two equal answers. */
  | { readonly kind: 'twice'; readonly a: number; readonly cmd: Cmd }
  /** The k-th acknowledged request of the run, sent again with the same body. */
  | { readonly kind: 'retry'; readonly k: number };

/** Accounts per run. */
export const ACCOUNTS = 2;

const a = fc.nat({ max: ACCOUNTS - 1 });
const k = fc.nat({ max: 30 });
const credits = fc
  .tuple(fc.integer({ min: 1, max: 40 }), fc.constantFrom('', '.5', '.000001', '.25'))
  .map(([w, f]) => `${w}${f}`);
const expiryH = fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined });

/** local_message: 1 unit or 5 credits; cloud_task: 5 units or 25 credits; tokens: credits only (0.00075 each). */
export const line: fc.Arbitrary<Line> = fc.oneof(
  fc.record({ operation: fc.constant('local_message'), quantity: fc.integer({ min: 1, max: 60 }) }),
  fc.record({ operation: fc.constant('cloud_task'), quantity: fc.integer({ min: 1, max: 12 }) }),
  fc.record({
    operation: fc.constant('gpt-5.5:output_tokens'),
    quantity: fc.integer({ min: 1, max: 40_000 }),
  }),
);

const hold = fc.record({
  kind: fc.constant('hold' as const),
  a,
  lines: fc.array(line, { minLength: 1, maxLength: 3 }),
  ttl: fc.constantFrom(60, 3600, 86_400),
});
const settle = fc.record({
  kind: fc.constant('settle' as const),
  a,
  k,
  mode: fc.constantFrom<SettleMode>('within', 'exact', 'beyond'),
  factor: fc.integer({ min: 2, max: 4 }),
});
const usage = fc.record({ kind: fc.constant('usage' as const), a, line });
const release = fc.record({ kind: fc.constant('release' as const), a, k });

const twice: fc.Arbitrary<Cmd> = fc.record({
  kind: fc.constant('twice' as const),
  a,
  cmd: fc.oneof(hold, usage, settle, release),
});

/**
 * Inside a burst, only new holds and usage are sent twice: a settlement or release sent twice there
 * may name a hold placed in the same burst, so one copy may fairly meet it and the other not (404).
 */
const twiceInBurst: fc.Arbitrary<Cmd> = fc.record({
  kind: fc.constant('twice' as const),
  a,
  cmd: fc.oneof(hold, usage),
});

/** The racing part of a burst: the account is the burst's. */
const racing: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: hold, weight: 3 },
  { arbitrary: usage, weight: 2 },
  { arbitrary: settle, weight: 3 },
  { arbitrary: release, weight: 1 },
  { arbitrary: twiceInBurst, weight: 1 },
);

export const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: hold, weight: 6 },
  { arbitrary: settle, weight: 6 },
  { arbitrary: usage, weight: 3 },
  { arbitrary: release, weight: 2 },
  {
    arbitrary: fc.record(
      { kind: fc.constant('purchase' as const), a, credits, expiryH },
      { requiredKeys: ['kind', 'a', 'credits'] },
    ),
    weight: 2,
  },
  {
    arbitrary: fc.record(
      {
        kind: fc.constant('grant' as const),
        a,
        credits,
        expiryH,
        priority: fc.integer({ min: 0, max: 200 }),
      },
      { requiredKeys: ['kind', 'a', 'credits', 'priority'] },
    ),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('reverse' as const), a, k }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('refund' as const), a, k }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('cap' as const),
      a,
      credits: fc.option(credits, { nil: null }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('plan' as const),
      a,
      plan: fc.constantFrom('free', 'plus', 'pro'),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('accountReset' as const), a }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'globalReset' as const }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.constantFrom(1, 1000, 60_000, 60_000, HOUR, 6 * HOUR, 30 * HOUR),
      sweep: fc.boolean(),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('burst' as const),
      a,
      cmds: fc.array(racing, { minLength: 2, maxLength: 6 }),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ kind: fc.constant('retry' as const), k: fc.nat({ max: 200 }) }), weight: 3 },
  { arbitrary: twice, weight: 2 },
);

/** One run: the commands in order (bursts inside are concurrent). */
export function runOf(maxLength: number): fc.Arbitrary<Cmd[]> {
  return fc.array(cmd, { minLength: 5, maxLength });
}

/** The seed of this run: FC_SEED replays one; otherwise a fresh one (named in the failure). */
export function seeded(numRuns: number): { seed: number; numRuns: number; endOnFailure: boolean } {
  const fromEnv = process.env.FC_SEED;
  const seed =
    fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  // Shrinking replays runs through real I/O: off unless FC_SHRINK=1 (the seed replays the failure as it came).
  return { seed, numRuns, endOnFailure: process.env.FC_SHRINK !== '1' };
}
