import type { TimelineStateView } from '@ledger/projections';
import type { CliContext } from '../cli-context';
import { catchUpReadModels } from '../read-models/read-models-catch-up';
import {
  accountTimeline,
  globalResets,
  type AccountHistoryItem,
  type GlobalResetItem,
} from '../read-models/account-history';
import { describeEvent, describeGlobalReset, stateText } from '../output/event-description';
import { FixedWidthTable, keyValueLines, shortTime } from '../output/text-format';
import { isoOf, type OrganizationEvent } from '@ledger/domain';
import { describeOrgEvent } from '../output/org-event-description';

export interface TimelineArguments {
  readonly accountId: string;
  readonly asOf?: number;
  readonly json: boolean;
}

const TABLE = new FixedWidthTable([
  { title: 'pos', width: 5, align: 'right' },
  { title: 'recorded at (UTC)', width: 19 },
  { title: 'event', width: 16 },
  { title: 'allowance', width: 9, align: 'right' },
  { title: 'credits', width: 10, align: 'right' },
  { title: 'balance', width: 10, align: 'right' },
  { title: 'held, windows after (used/limit)', width: 0 },
]);
/** The second line of a row, under the event column: what happened, in words. */
const DETAIL_INDENT = ' '.repeat(5 + 2 + 19 + 2);

/** `ledger timeline <accountId> [--as-of <time>] [--json]`: the account's billing history, event by event. */
export async function timelineCommand(context: CliContext, args: TimelineArguments): Promise<void> {
  await catchUpReadModels(context.readModels);
  const asOf = args.asOf === undefined ? undefined : isoOf(args.asOf);
  const resets = (await globalResets(context.store)).filter(
    (r) => args.asOf === undefined || Date.parse(r.event.data.resetAt) <= args.asOf,
  );
  if (args.json) return printJson(context, args.accountId, asOf, resets);

  const out = context.io.stdout;
  let pending = [...resets];
  let previous: AccountHistoryItem | undefined;
  let count = 0;
  let stateAsOf: TimelineStateView | null | undefined;
  for await (const { items, page } of accountTimeline(context, args.accountId, asOf)) {
    if (count === 0) {
      out.write(`Timeline of ${args.accountId}${asOf ? ` up to ${shortTime(asOf)} UTC` : ''}\n\n`);
      out.write(TABLE.header());
    }
    for (const item of items) {
      pending = writeResetsBefore(context, pending, BigInt(item.position), previous);
      out.write(rowOf(item));
      previous = item;
      count += 1;
    }
    stateAsOf = page.stateAsOf;
  }
  writeResetsBefore(context, pending, undefined, previous);
  out.write(`\n${count} event${count === 1 ? '' : 's'}.\n`);
  if (asOf !== undefined) writeStateAsOf(context, asOf, stateAsOf ?? null);
}

function rowOf(item: AccountHistoryItem): string {
  // A pool row (the member's organisation charged or reserved for it): told from the organisation's side.
  const charge =
    item.organizationId === undefined
      ? describeEvent(item.event)
      : describeOrgEvent({ type: item.type, data: item.data } as OrganizationEvent);
  const cells = [
    item.position,
    shortTime(item.recordedAt),
    item.type,
    charge.allowanceUnits,
    charge.credits,
    item.stateAfter.balance,
    stateText(item.stateAfter),
  ];
  return `${TABLE.row(cells)}\n${DETAIL_INDENT}↳ ${charge.what}\n`;
}

/** Prints the global resets that came before `position` (all left when undefined) and applied to the account. */
function writeResetsBefore(
  context: CliContext,
  resets: readonly GlobalResetItem[],
  position: bigint | undefined,
  previous: AccountHistoryItem | undefined,
): GlobalResetItem[] {
  const due = resets.filter((r) => position === undefined || BigInt(r.position) < position);
  for (const reset of due) {
    const { scope, plan, product, resetAt } = reset.event.data;
    const applies = previous !== undefined && (scope === 'all' || plan === previous.stateAfter.plan);
    if (!applies) continue;
    const untouched = previous.stateAfter.windows.filter((w) => product !== null && w.product !== product);
    const cells = [
      reset.position,
      shortTime(resetAt),
      'LimitsReset',
      '',
      '',
      previous.stateAfter.balance,
      stateText({ held: previous.stateAfter.held, windows: untouched }),
    ];
    context.io.stdout.write(
      `${TABLE.row(cells)}\n${DETAIL_INDENT}↳ ${describeGlobalReset(reset.event)}: windows started before are void\n`,
    );
  }
  return resets.filter((r) => !due.includes(r));
}

function writeStateAsOf(context: CliContext, asOf: string, state: TimelineStateView | null): void {
  const out = context.io.stdout;
  out.write(`\nState as of ${shortTime(asOf)} UTC:\n`);
  if (state === null) {
    out.write('  the account was not open yet\n');
    return;
  }
  const windows = state.windows.map(
    (w) =>
      [
        `${w.product} ${w.window}`,
        `${w.used}/${w.limit} used, ${(w.held ?? 0) > 0 ? `${w.held} held, ` : ''}${w.remaining} left${w.resetsAt ? `, resets ${shortTime(w.resetsAt)}` : ' (not started)'}`,
      ] as const,
  );
  out.write(
    keyValueLines([
      ['plan', state.plan ?? '—'],
      ['balance', `${state.balance} credits`],
      ['held', `${state.held} credits (open holds)`],
      [
        'grants',
        state.grants
          .map((g) => `${g.grantId} ${g.remaining}${g.held === '0' ? '' : ` (+${g.held} held)`}`)
          .join(', ') || '—',
      ],
      ['spending cap', state.spendingCap === null ? 'none' : `${state.spendingCap} credits/month`],
      ...windows,
    ]),
  );
}

async function printJson(
  context: CliContext,
  accountId: string,
  asOf: string | undefined,
  resets: readonly GlobalResetItem[],
): Promise<void> {
  const items: AccountHistoryItem[] = [];
  let stateAsOf: TimelineStateView | null | undefined;
  for await (const { items: pageItems, page } of accountTimeline(context, accountId, asOf)) {
    items.push(...pageItems);
    stateAsOf = page.stateAsOf;
  }
  const body = {
    accountId,
    ...(asOf === undefined ? {} : { asOf, stateAsOf: stateAsOf ?? null }),
    items: items.map(({ event: _event, ...item }) => item),
    globalResets: resets.map((r) => ({ position: r.position, ...r.event.data })),
  };
  context.io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
}
