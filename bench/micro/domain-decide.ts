import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as after from '@ledger/domain';
import * as afterIdentity from '../../apps/ledger/src/core/command-identity';
import { projectRoot } from '../bench-report';

/**
 * The domain's hot path, A/B in one process: deciding RecordUsage on a warm account (plus plan:
 * 5h and weekly windows, three grants, thousands of idempotency keys), folding its events forward
 * as the command handler does, and deriving the event ids and the fingerprint.
 *
 * "before" is the domain and command-identity at DOMAIN_BENCH_BASE (default: the commit the
 * perf-domain work started from), taken with `git show` into node_modules/.cache and loaded beside
 * the working tree's ("after"). Rounds alternate before/after; the best round is reported.
 *
 *   node --expose-gc --require ./test/support/register-ts.js bench/micro/domain-decide.ts
 */
const BASE = process.env.DOMAIN_BENCH_BASE ?? '0f01c2a44d0a347aa6b99c5e59b6c7a8c0aee8d6';
const KEYS = Number(process.env.DOMAIN_BENCH_KEYS ?? 3_000);
const COMMANDS_PER_ROUND = 500;
const ROUNDS = Number(process.env.DOMAIN_BENCH_ROUNDS ?? 15);
const START = Date.parse('2026-11-02T09:00:00.000Z');
/**
 * The holds case: A/B of the state before and after the split of open and closed holds
 * (DOMAIN_BENCH_HOLDS_BASE, default the commit before it), on an account with CLOSED_HOLDS closed
 * holds and OPEN_HOLDS open ones, beside the warm account with no holds.
 */
const HOLDS_BASE = process.env.DOMAIN_BENCH_HOLDS_BASE ?? '450a52555f5cbeee6c1d72389b67ecee6f3b2871';
const CLOSED_HOLDS = Number(process.env.DOMAIN_BENCH_CLOSED_HOLDS ?? 10_000);
const OPEN_HOLDS = 3;
const ACCOUNT = 'acct-bench';
const STREAM = `account-${ACCOUNT}`;

type Domain = typeof after;
type Identity = typeof afterIdentity;
interface Implementation {
  readonly name: string;
  readonly domain: Domain;
  readonly identity: Identity;
}

const root = projectRoot(__dirname);
/** The old sources are loaded by path at run time, so not with import. */
const load = createRequire(__filename);

/** The sources at `base`, written under node_modules (so `uuid` resolves) and loaded as TypeScript. */
function loadBefore(base = BASE): Implementation {
  const dir = path.join(root, 'node_modules', '.cache', 'domain-bench', base);
  const files = execFileSync(
    'git',
    ['ls-tree', '-r', '--name-only', base, 'libs/domain/src', 'apps/ledger/src/core/command-identity.ts'],
    { cwd: root, encoding: 'utf8' },
  )
    .split('\n')
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
  for (const file of files) {
    const target = path.join(dir, file);
    if (fs.existsSync(target)) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, execFileSync('git', ['show', `${base}:${file}`], { cwd: root }));
  }
  if (require.extensions['.ts'] === undefined) load(path.join(root, 'test', 'support', 'register-ts.js'));
  return {
    name: `before (${base.slice(0, 7)})`,
    domain: load(path.join(dir, 'libs/domain/src/index.ts')) as Domain,
    identity: load(path.join(dir, 'apps/ledger/src/core/command-identity.ts')) as Identity,
  };
}

function rateCardOf(domain: Domain): after.RateCard {
  const parsed = domain.parseRateCard(
    JSON.parse(fs.readFileSync(path.join(root, 'config', 'rate-card.json'), 'utf8')),
  );
  if (!parsed.ok) throw new Error('shipped rate card is invalid');
  return parsed.rateCard;
}

const metadata = (now: number, i: number) => ({
  now,
  fingerprint: `fp${String(i).padStart(20, '0')}`,
  actor: 'user:bench',
});

function usage(usageId: string, now: number, i: number): after.AccountCommand {
  const [operation, quantity] =
    i % 5 === 4 ? ['gpt-5.5:output_tokens', 1_800] : i % 3 === 0 ? ['cloud_task', 1] : ['local_message', 2];
  return {
    type: 'RecordUsage',
    data: { usageId, accountId: ACCOUNT, product: 'codex', operation, quantity, surface: 'cli' },
    metadata: metadata(now, i),
  };
}

/** Open plus, buy and get granted credits. */
function setupCommands(): after.AccountCommand[] {
  const iso = (ms: number) => new Date(ms).toISOString();
  return [
    { type: 'OpenAccount', data: { accountId: ACCOUNT, plan: 'plus' }, metadata: metadata(START, -1) },
    {
      type: 'PurchaseCredits',
      data: {
        accountId: ACCOUNT,
        purchaseId: 'p-1',
        credits: '1000000',
        amountPaid: { amountMinor: 100_000, currency: 'USD' },
        expiresAt: iso(START + 400 * 86_400_000),
      },
      metadata: metadata(START, -2),
    },
    {
      type: 'GrantCredits',
      data: { accountId: ACCOUNT, grantId: 'promo-1', credits: '200', reason: 'welcome', priority: 10 },
      metadata: metadata(START, -3),
    },
    {
      type: 'GrantCredits',
      data: {
        accountId: ACCOUNT,
        grantId: 'promo-2',
        credits: '500',
        reason: 'codex launch',
        products: ['codex'],
        expiresAt: iso(START + 300 * 86_400_000),
      },
      metadata: metadata(START, -4),
    },
  ];
}

/** Each command decided on the state before it and folded forward: the account's log. */
function logOf(impl: Implementation, commands: readonly after.AccountCommand[]): after.AccountEvent[] {
  const { domain } = impl;
  const context = { rateCard: rateCardOf(domain), resets: [] };
  let state = domain.initialState();
  const log: after.AccountEvent[] = [];
  for (const command of commands) {
    const decision = domain.decide(command, state, context);
    if (decision.kind !== 'events') throw new Error(`history: ${command.type} gave ${decision.kind}`);
    state = domain.foldAccount(decision.events, state);
    log.push(...decision.events);
  }
  return log;
}

/** The warm account: setup, then KEYS usages a minute apart. */
function history(impl: Implementation): after.AccountEvent[] {
  return logOf(impl, [
    ...setupCommands(),
    ...Array.from({ length: KEYS }, (_, i) => usage(`warm-${i}`, START + (i + 1) * 60_000, i)),
  ]);
}

/**
 * The account with holds: setup, then CLOSED_HOLDS holds 70 s apart, each of one message for 60 s,
 * in turn released, settled, or left to expire (lazily, at the next command); then OPEN_HOLDS
 * holds for a day, open through every round.
 */
function holdsHistory(impl: Implementation): after.AccountEvent[] {
  const commands = setupCommands();
  const lines = [{ operation: 'local_message', quantity: 1 }];
  let now = START;
  for (let i = 0; i < CLOSED_HOLDS; i++) {
    now += 70_000;
    const holdId = `h-${i}`;
    commands.push({
      type: 'PlaceHold',
      data: { holdId, accountId: ACCOUNT, product: 'codex', lines, ttlSeconds: 60 },
      metadata: metadata(now, i),
    });
    if (i % 3 === 0) {
      commands.push({
        type: 'ReleaseHold',
        data: { holdId, accountId: ACCOUNT, reason: 'cancelled' },
        metadata: metadata(now + 1_000, i),
      });
    } else if (i % 3 === 1) {
      commands.push({
        type: 'SettleHold',
        data: { holdId, accountId: ACCOUNT, usageId: `s-${i}`, lines },
        metadata: metadata(now + 1_000, i),
      });
    }
  }
  for (let k = 0; k < OPEN_HOLDS; k++) {
    now += 60_000;
    commands.push({
      type: 'PlaceHold',
      data: { holdId: `open-${k}`, accountId: ACCOUNT, product: 'codex', lines, ttlSeconds: 86_400 },
      metadata: metadata(now, -10 - k),
    });
  }
  return logOf(impl, commands);
}

interface RoundTimes {
  decide: number;
  fold: number;
  eventIds: number;
  fingerprint: number;
}

/** One round: COMMANDS_PER_ROUND new usages on the warm account, each decided, folded forward, identified. */
function round(impl: Implementation, log: readonly after.AccountEvent[], salt: number): RoundTimes {
  const { domain, identity } = impl;
  const context = { rateCard: rateCardOf(domain), resets: [] };
  let state = domain.foldAccount(log);
  let now = Date.parse(log[log.length - 1].data.recordedAt) + 60_000;
  // Each side starts with a clean heap: the other side's garbage is not collected on its time.
  (globalThis as { gc?: () => void }).gc?.();
  const times: RoundTimes = { decide: 0, fold: 0, eventIds: 0, fingerprint: 0 };
  for (let i = 0; i < COMMANDS_PER_ROUND; i++) {
    now += 20_000;
    const command = usage(`u-${salt}-${i}`, now, i);
    const t0 = performance.now();
    identity.fingerprintOf(domain.normaliseForFingerprint(command.type, command.data));
    const t1 = performance.now();
    const decision = domain.decide(command, state, context);
    const t2 = performance.now();
    if (decision.kind !== 'events') throw new Error(`round: ${decision.kind}`);
    state = domain.foldAccount(decision.events, state);
    const t3 = performance.now();
    const key = identity.commandKey(command.type, ACCOUNT, `u-${salt}-${i}`);
    identity.eventIdsOf({ stream: STREAM, key, events: decision.events });
    const t4 = performance.now();
    times.fingerprint += t1 - t0;
    times.decide += t2 - t1;
    times.fold += t3 - t2;
    times.eventIds += t4 - t3;
  }
  return times;
}

/**
 * isoOf as a decision calls it: the ledger clock (a new instant, ticking a few ms) and four window
 * times (5h and weekly start and end, which repeat until the window moves). µs per call.
 */
function isoRound(domain: Domain): number {
  const decisions = 100_000;
  let now = START;
  let length = 0;
  const t0 = performance.now();
  for (let i = 0; i < decisions; i++) {
    now += 3;
    const fiveHours = START + Math.floor(i / 5_000) * 18_000_000;
    const week = START - 86_400_000 + Math.floor(i / 50_000) * 604_800_000;
    length += domain.isoOf(now).length + domain.isoOf(fiveHours).length;
    length += domain.isoOf(fiveHours + 18_000_000).length + domain.isoOf(week).length;
    length += domain.isoOf(week + 604_800_000).length;
  }
  const elapsed = performance.now() - t0;
  if (length !== decisions * 5 * 24) throw new Error('isoOf: unexpected output');
  return (elapsed * 1_000) / (decisions * 5);
}

/**
 * The log without the fields issue 17 added to every usage event (`held` in windows, `heldAfter`):
 * a base before them decides the same otherwise.
 */
function withoutHeldFields(log: readonly after.AccountEvent[]): unknown {
  return JSON.parse(JSON.stringify(log), (key, value: unknown) =>
    key === 'heldAfter' || key === 'held' ? undefined : value,
  );
}

/** The best round: on a machine shared with other work, the least disturbed one. */
const best = (values: number[]) => Math.min(...values);

function main(): void {
  const implementations = [
    loadBefore(),
    { name: 'after (working tree)', domain: after, identity: afterIdentity },
  ];
  const logs = implementations.map(history);
  if (JSON.stringify(logs[0]) !== JSON.stringify(withoutHeldFields(logs[1])))
    throw new Error('before and after decide differently');
  const idsOf = (identity: Identity) =>
    logs[0].map((event, i) => identity.eventIdsOf({ stream: STREAM, key: `k-${i}`, events: [event] }));
  if (JSON.stringify(idsOf(implementations[0].identity)) !== JSON.stringify(idsOf(afterIdentity)))
    throw new Error('before and after derive other event ids');
  const samples = implementations.map(
    () => ({ decide: [], fold: [], eventIds: [], fingerprint: [], isoOf: [] }) as Record<string, number[]>,
  );
  for (let r = 0; r < ROUNDS; r++) {
    implementations.forEach((impl, k) => {
      const times = round(impl, logs[k], r);
      for (const [name, ms] of Object.entries(times))
        samples[k][name].push((ms * 1_000) / COMMANDS_PER_ROUND);
      samples[k].isoOf.push(isoRound(impl.domain));
    });
  }
  console.log(
    `warm account: ${KEYS} keys + ${COMMANDS_PER_ROUND} per round, ${ROUNDS} rounds, best round, µs/op`,
  );
  console.log(
    [
      'operation'.padEnd(26),
      ...implementations.map((i) => i.name.padStart(22)),
      'speed-up'.padStart(10),
    ].join(''),
  );
  for (const name of Object.keys(samples[0])) {
    const [before, now] = samples.map((s) => best(s[name]));
    const label =
      {
        fold: 'fold (foldAccount, 1 cmd)',
        decide: 'decide RecordUsage',
        eventIds: 'eventIdsOf',
        fingerprint: 'fingerprintOf+normalise',
        isoOf: 'isoOf (decision mix)',
      }[name] ?? name;
    console.log(
      [
        label.padEnd(26),
        before.toFixed(3).padStart(22),
        now.toFixed(3).padStart(22),
        `${(before / now).toFixed(1)}×`.padStart(10),
      ].join(''),
    );
  }
}

/** decide RecordUsage (and its fold) with no holds and with many closed + a few open, before and after. */
function holdsCase(): void {
  // DOMAIN_BENCH_HOLDS_BASE=none: the working tree alone (the old state is O(holds²) to build).
  const implementations = [
    ...(HOLDS_BASE === 'none' ? [] : [loadBefore(HOLDS_BASE)]),
    { name: 'after (working tree)', domain: after, identity: afterIdentity },
  ];
  const cases = [
    { name: 'no holds', logOf: history },
    { name: `${CLOSED_HOLDS} closed + ${OPEN_HOLDS} open`, logOf: holdsHistory },
  ];
  const logs = cases.map((c) => implementations.map((impl) => c.logOf(impl)));
  const samples = cases.map(() =>
    implementations.map(() => ({ decide: [] as number[], fold: [] as number[] })),
  );
  for (let r = 0; r < ROUNDS; r++) {
    cases.forEach((_, c) =>
      implementations.forEach((impl, k) => {
        const times = round(impl, logs[c][k], r);
        samples[c][k].decide.push((times.decide * 1_000) / COMMANDS_PER_ROUND);
        samples[c][k].fold.push((times.fold * 1_000) / COMMANDS_PER_ROUND);
      }),
    );
  }
  console.log(`\nholds: ${COMMANDS_PER_ROUND} RecordUsage per round, ${ROUNDS} rounds, best round, µs/op`);
  console.log(
    ['case'.padEnd(34), ...implementations.map((i) => i.name.padStart(22)), 'speed-up'.padStart(10)].join(''),
  );
  cases.forEach((c, i) => {
    for (const op of ['decide', 'fold'] as const) {
      const figures = samples[i].map((s) => best(s[op]));
      const speedUp = figures.length === 2 ? `${(figures[0] / figures[1]).toFixed(1)}×` : '';
      console.log(
        [
          `${op} — ${c.name}`.padEnd(34),
          ...figures.map((f) => f.toFixed(3).padStart(22)),
          speedUp.padStart(10),
        ].join(''),
      );
    }
  });
}

if (process.env.DOMAIN_BENCH_CASE !== 'holds') main();
if (process.env.DOMAIN_BENCH_CASE !== 'usage') holdsCase();
