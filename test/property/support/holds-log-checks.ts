import { accountStreamName } from '@ledger/domain';
import { readStreamIfExists, type EventStore, type RecordedEvent } from '@ledger/event-store';
import type { AccountCommandsService } from '../../../apps/ledger/src/core/account-commands.service';
import type { TestLedger } from '../../support/ledger-app';
import { decimal, micro } from '../../reliability/simulation/model-money';
import { AccountBooks } from '../../reliability/simulation/sim-books';
import type { HoldsHttpRun, Sent } from './holds-http-run';

/** What a run ended with, for the figures. */
export interface RunTally {
  events: Record<string, number>;
  holdCases: Record<string, number>;
}

type Data = Readonly<Record<string, unknown>>;

/**
 * Every check of a finished run, from the LOG (the account streams, read through the app's own
 * store: SQLite or EventStoreDB) and the API (read at the log's head with `?minPosition=`). Returns
 * the problems found (empty: the run is clean); `tally` counts what the run reached.
 */
export async function checkRun(
  ledger: TestLedger,
  run: HoldsHttpRun,
  store: EventStore,
  accounts: AccountCommandsService,
  tally: RunTally,
  options: { expectNothingHeld: boolean },
): Promise<string[]> {
  const problems = [...run.problems];
  const head = (await ledger.http().get('/health').expect(200)).body.position as string;
  const q = `minPosition=${head}`;
  const logOf = new Map<string, RecordedEvent[]>();
  for (const { accountId } of run.accounts)
    logOf.set(accountId, (await readStreamIfExists(store, accountStreamName(accountId))) ?? []);

  for (const { accountId, holds } of run.accounts) {
    const events = logOf.get(accountId) ?? [];
    problems.push(...(await checkAccount(ledger, accountId, events, holds, accounts, q, options)));
    countTally(tally, events);
  }

  // What each acknowledged answer said is in the log, at the position it named.
  for (const s of run.sent) problems.push(...answerInLog(s, logOf));

  const trial = await ledger.as('finance').get(`/v1/finance/trial-balance?${q}`);
  if (trial.status !== 200 || trial.body.total !== '0')
    problems.push(`trial balance → ${trial.status}, total ${JSON.stringify(trial.body.total)}`);
  const verify = await ledger.as('finance').post('/v1/finance/verify');
  if (verify.status !== 200 || verify.body.ok !== true)
    problems.push(`verify → ${verify.status} ${JSON.stringify(verify.body).slice(0, 2000)}`);
  return problems;
}

/**
 * One account now, from its stream (`events`, read at the log's head) and the API read at that head
 * (`q` = `minPosition=<head>`): the books, the API's grants and held credits against them, the shell's
 * fold naming the same holds, GET of each hold = the log's fold; with `expectNothingHeld`, nothing held.
 */
export async function checkAccount(
  ledger: TestLedger,
  accountId: string,
  events: readonly RecordedEvent[],
  holds: readonly { holdId: string }[],
  accounts: AccountCommandsService,
  q: string,
  options: { expectNothingHeld: boolean },
): Promise<string[]> {
  const problems: string[] = [];
  // The books from the log alone (sim-books.ts): per grant remaining + held + used + expired +
  // refunded = granted, a hold closed once with exactly what it held, nothing appended while a hold
  // is past its expiry, a usage id charged once and reversed once.
  const books = new AccountBooks(accountId);
  books.feed(events.map(({ type, data }) => ({ type, data })));
  const view = await ledger.as('support').get(`/v1/accounts/${accountId}?${q}`);
  if (view.status !== 200) {
    problems.push(`GET /v1/accounts/${accountId} → ${view.status} ${view.text}`);
    return problems;
  }
  const credits = view.body.credits as {
    balance: string;
    held: string;
    grants: { grantId: string; remaining: string; held: string; status: string }[];
  };
  // The fold of the log: each hold as HoldPlaced made it, closed by the event that closed it.
  const folded = holdsOfLog(events);
  const open = [...folded.values()].filter((h) => h.status === 'held').map((h) => h.holdId);
  // The shell's own fold of the stream (snapshot + tail): its grants' remaining are what the books
  // leave, and it names the same open and closed holds.
  const state = await accounts.load(accountId);
  books.checkState(state.grants, open);
  problems.push(...books.violations);
  let heldOnGrants = 0n;
  for (const g of credits.grants) {
    const b = books.grants.get(g.grantId);
    if (b === undefined) {
      problems.push(`${accountId}: the API shows grant "${g.grantId}" that no event granted`);
      continue;
    }
    if (micro(g.held) !== b.held)
      problems.push(`${accountId} grant "${g.grantId}": the API holds ${g.held}, the log ${decimal(b.held)}`);
    // What the API shows as remaining: all that is left while the grant is active (or exhausted); 0
    // once it is expired (what is left is written off by the next command or sweep) or refunded.
    const left = b.granted - b.held - b.used - b.expired - b.refunded;
    const shown = g.status === 'active' || g.status === 'exhausted' ? left : 0n;
    if (micro(g.remaining) !== shown || left < 0n || (g.status === 'refunded' && left !== 0n))
      problems.push(
        `${accountId} grant "${g.grantId}" (${g.status}): the API shows remaining ${g.remaining}; the log: granted ${decimal(b.granted)} − held ${decimal(b.held)} − used ${decimal(b.used)} − expired ${decimal(b.expired)} − refunded ${decimal(b.refunded)} = ${left < 0n ? '-' + decimal(-left) : decimal(left)}`,
      );
    heldOnGrants += b.held;
  }
  if (credits.grants.length !== books.grants.size)
    problems.push(
      `${accountId}: the API shows ${credits.grants.length} grants, the log ${books.grants.size}`,
    );
  if (micro(credits.held) !== heldOnGrants)
    problems.push(`${accountId}: the API holds ${credits.held} in all, its grants ${decimal(heldOnGrants)}`);
  if (credits.balance.startsWith('-') || credits.held.startsWith('-'))
    problems.push(`${accountId}: negative balance or held ${JSON.stringify(credits)}`);
  const shellOpen = [...state.holds.keys()].sort();
  if (JSON.stringify(shellOpen) !== JSON.stringify([...open].sort()))
    problems.push(
      `${accountId}: open holds: log ${JSON.stringify(open)}, shell state ${JSON.stringify(shellOpen)}`,
    );
  for (const h of folded.values()) {
    if (h.status === 'held') continue;
    const closed = state.closedHolds.get(h.holdId);
    if (closed?.status !== h.status)
      problems.push(
        `${accountId} hold "${h.holdId}": log ${h.status}, shell state ${closed?.status ?? 'none'}`,
      );
  }
  if (options.expectNothingHeld) {
    if (open.length > 0)
      problems.push(`${accountId}: past every expiry and a sweep, still held: ${open.join(', ')}`);
    if (credits.held !== '0') problems.push(`${accountId}: past every expiry, credits.held ${credits.held}`);
    for (const w of view.body.windows as { window: string; held: number }[])
      if (w.held !== 0) problems.push(`${accountId}: past every expiry, window ${w.window} holds ${w.held}`);
  }
  // GET /v1/holds/{id} is the log's fold of that hold; a hold never placed is unknown (404).
  for (const { holdId } of holds) {
    const res = await ledger.as('support').get(`/v1/holds/${holdId}?${q}`);
    const expected = folded.get(holdId);
    if (expected === undefined) {
      if (res.status !== 404)
        problems.push(`GET /v1/holds/${holdId}: never placed in the log, answered ${res.status}`);
      continue;
    }
    const { status, ...rest } = expected;
    const want = { ...rest, status, accountId };
    if (res.status !== 200 || JSON.stringify(sortKeys(res.body)) !== JSON.stringify(sortKeys(want)))
      problems.push(
        `GET /v1/holds/${holdId} → ${res.status}, differs from the log's fold in ${differing(res.body as Data, want).join(', ')}: ` +
          `${JSON.stringify(res.body)}; the log's fold ${JSON.stringify(want)}`,
      );
  }
  return problems;
}

/** The account's stream at the log's head, and `minPosition=<head>` to read the API there. */
export async function streamAtHead(
  ledger: TestLedger,
  store: EventStore,
  accountId: string,
): Promise<{ events: RecordedEvent[]; q: string }> {
  const head = (await ledger.http().get('/health').expect(200)).body.position as string;
  return {
    events: (await readStreamIfExists(store, accountStreamName(accountId))) ?? [],
    q: `minPosition=${head}`,
  };
}

interface FoldedHold {
  holdId: string;
  status: 'held' | 'settled' | 'released' | 'expired';
  lines: unknown;
  held: { allowanceUnits: number; credits: string; allocations: unknown };
  expiresAt: string;
  usageId?: string;
}

/** The holds of an account stream, folded from HoldPlaced and the event that closed each. */
function holdsOfLog(events: readonly RecordedEvent[]): Map<string, FoldedHold> {
  const holds = new Map<string, FoldedHold>();
  for (const { type, data } of events) {
    const holdId = data.holdId as string;
    if (type === 'HoldPlaced')
      holds.set(holdId, {
        holdId,
        status: 'held',
        lines: data.lines,
        held: {
          allowanceUnits: data.allowanceUnits as number,
          credits: data.credits as string,
          allocations: data.allocations,
        },
        expiresAt: data.expiresAt as string,
      });
    const hold = holds.get(holdId);
    if (hold === undefined) continue;
    if (type === 'HoldSettled') {
      hold.status = 'settled';
      hold.usageId = data.usageId as string;
    }
    if (type === 'HoldReleased') hold.status = 'released';
    if (type === 'HoldExpired') hold.status = 'expired';
  }
  return holds;
}

/** The event an answer stands for: its type, and the fields of the answer it must carry. */
function answerInLog(s: Sent, logOf: ReadonlyMap<string, RecordedEvent[]>): string[] {
  const { req, status, body } = s;
  if (req.accountId === undefined || ![200, 201, 402].includes(status)) return [];
  const expect = expectedEvent(s);
  if (expect === undefined) return [];
  const at = body.position as string | undefined;
  const where = `${req.method.toUpperCase()} ${req.url} ${JSON.stringify(req.body)} answered ${status}`;
  if (at === undefined) return [`${where} without a position`];
  const event = (logOf.get(req.accountId) ?? []).find((e) => e.position === BigInt(at));
  if (event === undefined) return [`${where} at position ${at}: no event of the account's stream there`];
  if (event.type !== expect.type) return [`${where}: the log has ${event.type} at ${at}, not ${expect.type}`];
  const wrong = Object.entries(expect.fields).filter(
    ([k, v]) => JSON.stringify(field(event.data, k)) !== JSON.stringify(v),
  );
  return wrong.map(
    ([k, v]) =>
      `${where}: the log's ${event.type} has ${k} ${JSON.stringify(field(event.data, k))}, the answer ${JSON.stringify(v)}`,
  );
}

function expectedEvent({
  req,
  status,
  body,
}: Sent): { type: string; fields: Record<string, unknown> } | undefined {
  const b = body as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  switch (req.kind) {
    case 'usage':
      return status === 402
        ? { type: 'UsageRejected', fields: { usageId: req.id, reason: b.reason } }
        : {
            type: 'UsageRecorded',
            fields: {
              usageId: req.id,
              allowanceUnits: b.charged?.allowanceUnits,
              creditsCharged: b.charged?.credits,
            },
          };
    case 'hold':
      return status === 402
        ? { type: 'HoldRejected', fields: { holdId: req.id, reason: b.reason } }
        : {
            type: 'HoldPlaced',
            fields: {
              holdId: req.id,
              credits: b.held?.credits,
              allowanceUnits: b.held?.allowanceUnits,
              expiresAt: b.expiresAt,
            },
          };
    case 'settle':
      return {
        type: 'HoldSettled',
        fields: { usageId: req.id, holdId: b.holdId, 'uncollected.credits': b.uncollected },
      };
    case 'release':
      return { type: 'HoldReleased', fields: { holdId: req.id, 'released.credits': b.released?.credits } };
    case 'reverse':
      return { type: 'UsageReversed', fields: { reversalId: req.id, usageId: b.usageId } };
    case 'purchase':
      return { type: 'CreditsPurchased', fields: { purchaseId: req.id } };
    case 'grant':
      return { type: 'CreditsGranted', fields: { grantId: req.id } };
    case 'refund':
      return { type: 'PurchaseRefunded', fields: { refundId: req.id } };
    default:
      return undefined;
  }
}

function field(data: Data, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Data | undefined)?.[k], data);
}

/** The top-level fields where two answers differ, with both values when short. */
function differing(got: Data, want: Data): string[] {
  return [...new Set([...Object.keys(got ?? {}), ...Object.keys(want)])]
    .filter((k) => JSON.stringify(sortKeys(got?.[k])) !== JSON.stringify(sortKeys(want[k])))
    .map((k) => {
      const [g, w] = [JSON.stringify(got?.[k]), JSON.stringify(want[k])];
      return g !== undefined && w !== undefined && g.length + w.length < 80 ? `${k} (${g} ≠ ${w})` : k;
    });
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Data)[k])]),
  );
}

function countTally(tally: RunTally, events: readonly RecordedEvent[]): void {
  const add = (r: Record<string, number>, k: string) => (r[k] = (r[k] ?? 0) + 1);
  for (const { type, data, metadata } of events) {
    add(tally.events, type);
    if (type === 'HoldRejected') add(tally.holdCases, `rejected: ${String(data.reason)}`);
    if (type === 'HoldSettled') {
      const charged = data.charged as { allowanceUnits: number; credits: string };
      const released = data.released as { allowanceUnits: number; credits: string };
      const uncollected = data.uncollected as { credits: string; reason: string | null };
      add(
        tally.holdCases,
        uncollected.reason !== null
          ? `settled beyond, uncollected (${uncollected.reason})`
          : charged.allowanceUnits > 0 || charged.credits !== '0'
            ? 'settled beyond, paid'
            : released.allowanceUnits > 0 || released.credits !== '0'
              ? 'settled within'
              : 'settled exactly at',
      );
    }
    if (type === 'HoldReleased') add(tally.holdCases, 'released');
    // The sweep's ExpireHold, or the lazy step of another command (the sweep's ExpireCredits included).
    if (type === 'HoldExpired')
      add(
        tally.holdCases,
        metadata.command === 'ExpireHold'
          ? 'expired by ExpireHold'
          : `expired lazily (${String(metadata.command)})`,
      );
  }
}
