import fc from 'fast-check';
import { creditsFromStored, formatCredits, sumCredits } from '../credits';
import type { GlobalLimitsReset } from '../limits-resets/limits-resets';
import {
  cap,
  changePlan,
  context,
  DAY,
  expire,
  grant,
  MINUTE,
  open,
  propertyOptions,
  purchase,
  refund,
  resetAccount,
  T0,
  usage,
} from '../testing/fixtures';
import { isoOf, msFromStored } from '../time';
import type { AccountCommand } from './commands';
import { accountDecider } from './decide';
import type { Decision } from './decision';
import type { AccountEvent } from './events';
import { snapshotOf, stateFromSnapshot } from './snapshot';
import { evolve, foldAccount, initialState, type AccountState } from './state';

/**
 * Seeded simulation: random command sequences with a moving clock and global resets, checked
 * after every step. Reproduce a failure with FC_SEED=<seed printed by fast-check>.
 */
const micro = fc
  .oneof(fc.integer({ min: 1, max: 3_000_000 }), fc.integer({ min: 1, max: 60_000_000 }))
  .map((n) => formatCredits(BigInt(n)));
const maybeExpiry = fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined });
const maybeProducts = fc.option(fc.constantFrom(['codex'], ['chatgpt_excel']), { nil: undefined });

type Make = (now: number) => AccountCommand;
const arbCommand: fc.Arbitrary<Make> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.nat(15),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom('local_message', 'cloud_task', 'gpt-5.5:output_tokens'),
        fc.constantFrom('codex', 'chatgpt_excel'),
      )
      .map(
        ([id, quantity, operation, product]): Make =>
          (now) =>
            usage(`u-${id}`, quantity, {
              now,
              product,
              operation: product === 'codex' ? operation : 'workbook_task',
            }),
      ),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.nat(4), micro, maybeExpiry, maybeProducts).map(
      ([id, credits, days, products]): Make =>
        (now) =>
          purchase(`p-${id}`, credits, {
            now,
            amountMinor: 999,
            products,
            expiresAt: days === undefined ? undefined : isoOf(now + days * DAY),
          }),
    ),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.nat(4), micro, fc.option(fc.nat(3), { nil: undefined }), maybeExpiry, maybeProducts)
      .map(
        ([id, credits, priority, days, products]): Make =>
          (now) =>
            grant(`g-${id}`, credits, {
              now,
              priority,
              products,
              expiresAt: days === undefined ? undefined : isoOf(now + days * DAY),
            }),
      ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.nat(2), fc.nat(4)).map(
      ([r, p]): Make =>
        (now) =>
          refund(`r-${r}`, `p-${p}`, now),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.option(micro, { nil: null }).map(
      (c): Make =>
        (now) =>
          cap(c, now),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('free', 'plus', 'pro').map(
      (plan): Make =>
        (now) =>
          changePlan(plan, now),
    ),
  },
  { weight: 1, arbitrary: fc.constant((now: number) => expire(now)) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.nat(2), fc.option(fc.constant('codex'), { nil: undefined })).map(
      ([id, product]): Make =>
        (now) =>
          resetAccount(`x-${id}`, now, product),
    ),
  },
);
const arbSteps = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 * 24 * 60 }), arbCommand), {
  minLength: 5,
  maxLength: 40,
  size: 'medium',
});
const arbResets = fc.array(
  fc.record({
    resetId: fc.uuid(),
    scope: fc.constantFrom<'all' | 'plan'>('all', 'plan'),
    plan: fc.constantFrom<string | null>('plus', 'pro'),
    product: fc.constantFrom<string | null>(null, 'codex'),
    resetAt: fc.integer({ min: T0, max: T0 + 40 * DAY }),
  }),
  { maxLength: 3 },
);

interface Run {
  readonly log: AccountEvent[];
  readonly states: AccountState[];
}

/** Runs the sequence, checking after each step that a repeat of the command changes nothing. */
function simulate(steps: [number, Make][], resets: GlobalLimitsReset[]): Run {
  const log: AccountEvent[] = [...expectEvents(accountDecider.decide(open('plus'), initialState(), context))];
  let state = foldAccount(log);
  const states = [state];
  let now = T0;
  for (const [minutes, make] of steps) {
    now += minutes * MINUTE;
    const ctx = { ...context, resets: resets.filter((r) => r.resetAt <= now) };
    const command = make(now);
    const decision = accountDecider.decide(command, state, ctx);
    if (decision.kind === 'events') {
      for (const event of decision.events) {
        state = evolve(state, event);
        log.push(event);
      }
    }
    states.push(state);
    assertRepeatIsStable(command, decision, state, ctx, log);
  }
  return { log, states };
}

function expectEvents(decision: Decision): readonly AccountEvent[] {
  if (decision.kind !== 'events') throw new Error(`expected events, got ${JSON.stringify(decision)}`);
  return decision.events;
}

function assertRepeatIsStable(
  command: AccountCommand,
  first: Decision,
  state: AccountState,
  ctx: typeof context,
  log: AccountEvent[],
): void {
  const again = accountDecider.decide(command, state, ctx);
  if (first.kind === 'error') {
    expect(again).toMatchObject({ kind: 'error', error: { code: first.error.code } });
  } else if (again.kind === 'replay') {
    const outcome = first.kind === 'replay' ? log[first.revision] : first.events[first.events.length - 1];
    expect(log[again.revision]).toEqual(outcome);
  } else {
    expect(again).toEqual({ kind: 'events', events: [] });
  }
}

describe('account decider properties (seeded)', () => {
  const options = propertyOptions(250);

  it('never lets a balance go below zero, and credits are conserved', () => {
    fc.assert(
      fc.property(arbSteps, arbResets, (steps, resets) => {
        const { log, states } = simulate(steps, resets);
        for (const s of states) for (const g of s.grants) expect(g.remaining >= 0n).toBe(true);
        const sum = (type: AccountEvent['type'], pick: (e: AccountEvent) => string[]) =>
          sumCredits(
            log
              .filter((e) => e.type === type)
              .flatMap(pick)
              .map(creditsFromStored),
          );
        const issued =
          sum('CreditsPurchased', (e) => [(e.data as { credits: string }).credits]) +
          sum('CreditsGranted', (e) => [(e.data as { credits: string }).credits]);
        const charged = sum('UsageRecorded', (e) =>
          e.type === 'UsageRecorded' ? [e.data.creditsCharged] : [],
        );
        const gone =
          sum('CreditsExpired', (e) => [(e.data as { credits: string }).credits]) +
          sum('PurchaseRefunded', (e) => [(e.data as { credits: string }).credits]);
        const remaining = sumCredits(states[states.length - 1].grants.map((g) => g.remaining));
        expect(issued - charged - gone).toBe(remaining);
      }),
      options,
    );
  });

  it('allocations sum to the credits charged', () => {
    fc.assert(
      fc.property(arbSteps, arbResets, (steps, resets) => {
        for (const e of simulate(steps, resets).log) {
          if (e.type !== 'UsageRecorded') continue;
          expect(sumCredits(e.data.allocations.map((a) => creditsFromStored(a.credits)))).toBe(
            creditsFromStored(e.data.creditsCharged),
          );
        }
      }),
      options,
    );
  });

  it('never uses a window above its limit unless the plan changed down since it started', () => {
    fc.assert(
      fc.property(arbSteps, arbResets, (steps, resets) => {
        const log = simulate(steps, resets).log;
        const planChanges = log
          .filter((e) => e.type === 'PlanChanged')
          .map((e) => msFromStored(e.data.recordedAt));
        for (const e of log) {
          if (e.type !== 'UsageRecorded') continue;
          for (const w of e.data.windows) {
            if (w.used <= w.limit) continue;
            const started = msFromStored(w.startedAt as string);
            expect(planChanges.some((t) => t >= started)).toBe(true);
          }
        }
      }),
      options,
    );
  });

  it('replaying the events gives the same state (fold equals incremental, snapshots included)', () => {
    fc.assert(
      fc.property(arbSteps, arbResets, (steps, resets) => {
        const { log, states } = simulate(steps, resets);
        const last = states[states.length - 1];
        expect(foldAccount(log)).toEqual(last);
        expect(stateFromSnapshot(JSON.parse(JSON.stringify(snapshotOf(last))))).toEqual(last);
      }),
      options,
    );
  });

  it('a repeated command appends nothing and returns the same outcome (checked at every step)', () => {
    fc.assert(
      fc.property(arbSteps, arbResets, (steps, resets) => void simulate(steps, resets)),
      options,
    );
  });
});
