import type { OrganizationEvent } from '@ledger/domain';
import { MAX_PAGE_SIZE, type OrganizationView, type OrgTimelineItem } from '@ledger/projections';
import { describeOrgEvent } from '../output/org-event-description';
import type { CliContext } from '../cli-context';
import { CliError, ExitCode } from '../exit-codes';
import { FixedWidthTable, keyValueLines, shortTime } from '../output/text-format';
import { catchUpReadModels } from '../read-models/read-models-catch-up';

export interface OrgArguments {
  readonly organizationId: string;
  readonly json: boolean;
  /** The organisation's events in order, each with the pool after it, instead of the view. */
  readonly timeline?: boolean;
}

const MEMBERS = new FixedWidthTable([
  { title: 'member', width: 20 },
  { title: 'group', width: 12 },
  { title: 'spent', width: 12, align: 'right' },
  { title: 'limit', width: 12, align: 'right' },
  { title: 'source', width: 7 },
  { title: 'remaining', width: 0 },
]);

/**
 * `ledger org <orgId> [--json]`: an organisation as support reads it — the pool's balance, held
 * credits and grants, the spend limits, each member's spend this UTC month (ledger clock) against
 * its effective limit and where that limit comes from, and the credit requests.
 */
export async function orgCommand(context: CliContext, args: OrgArguments): Promise<void> {
  await catchUpReadModels(context.readModels);
  if (args.timeline === true) return orgTimeline(context, args);
  const view = context.readModels.readSide.organizations.organization(
    args.organizationId,
    context.clock.now(),
  );
  if (view === null)
    throw new CliError(ExitCode.notFound, `no organization "${args.organizationId}" in this ledger`);
  context.io.stdout.write(args.json ? `${JSON.stringify(view, null, 2)}\n` : render(view));
}

const TIMELINE = new FixedWidthTable([
  { title: 'pos', width: 5, align: 'right' },
  { title: 'recorded at (UTC)', width: 19 },
  { title: 'event', width: 20 },
  { title: 'pool', width: 10, align: 'right' },
  { title: 'held', width: 8, align: 'right' },
  { title: 'members, open reservations, pending requests', width: 0 },
]);
const DETAIL_INDENT = ' '.repeat(5 + 2 + 19 + 2);

/** `ledger org <orgId> --timeline [--json]`: the organisation's events, each with its pool after it. */
async function orgTimeline(context: CliContext, args: OrgArguments): Promise<void> {
  const timelines = context.readModels.readSide.organizationTimelines;
  const items: OrgTimelineItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await timelines.timeline(args.organizationId, { cursor, limit: MAX_PAGE_SIZE });
    if (page === null)
      throw new CliError(ExitCode.notFound, `no organization "${args.organizationId}" in this ledger`);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  const out = context.io.stdout;
  if (args.json) {
    out.write(`${JSON.stringify({ organizationId: args.organizationId, items }, null, 2)}\n`);
    return;
  }
  out.write(`Timeline of organization ${args.organizationId}\n\n${TIMELINE.header()}`);
  for (const item of items) {
    const state = item.stateAfter;
    const what = describeOrgEvent({ type: item.type, data: item.data } as OrganizationEvent).what;
    const cells = [
      item.position,
      shortTime(item.recordedAt),
      item.type,
      state.balance,
      state.held,
      `${state.members.length} members, ${state.openReservations} open, ${state.pendingRequests.length} pending`,
    ];
    out.write(`${TIMELINE.row(cells)}\n${DETAIL_INDENT}↳ ${what}\n`);
  }
  out.write(`\n${items.length} event${items.length === 1 ? '' : 's'}.\n`);
}

function render(view: OrganizationView): string {
  const limits = view.spendLimits;
  const groupLimits = Object.entries(limits.groups).map(([g, c]) => `group ${g} ${c}`);
  const memberLimits = Object.entries(limits.members).map(([m, c]) => `member ${m} ${c}`);
  const lines = [
    `Organization ${view.organizationId} "${view.name}" (plan ${view.plan}); spend counted in ${view.month} (UTC, ledger clock)\n\n`,
    'Pool\n',
    keyValueLines([
      ['balance', `${view.credits.balance} credits`],
      ['held', `${view.credits.held} credits (open member reservations)`],
      ...view.credits.grants.map(
        (g) =>
          [
            `grant ${g.grantId}`,
            `${g.kind} ${g.credits}: ${g.remaining} left, ${g.used} used, ${g.held} held, ${g.status}${g.expiresAt === null ? '' : `, expires ${shortTime(g.expiresAt)}`}`,
          ] as const,
      ),
    ]),
    `\nSpend limits (credits per member per month): default ${limits.default ?? 'none'}${[...groupLimits, ...memberLimits].map((l) => `; ${l}`).join('')}\n`,
    `\nMembers (${view.members.length})\n`,
    MEMBERS.header(),
    ...view.members.map(
      (m) =>
        `${MEMBERS.row([
          m.accountId,
          m.group ?? '—',
          m.spentThisMonth,
          m.limit ?? 'unlimited',
          m.limitSource ?? '—',
          m.remainingThisMonth ?? '—',
        ])}\n`,
    ),
    `\nCredit requests (pending, and decided this month): ${view.creditRequests.length === 0 ? 'none' : ''}\n`,
    ...view.creditRequests.map((r) => {
      const note = r.note === null ? '' : ` "${r.note}"`;
      const decided =
        r.status === 'pending'
          ? ''
          : ` ${shortTime(r.decidedAt)}${r.status === 'approved' ? `, limit ${r.override ?? 'unlimited'} in ${r.month}` : ''}`;
      return `  ${r.requestId}  ${r.accountId} asks ${r.credits} credits${note} (${shortTime(r.requestedAt)}): ${r.status}${decided}\n`;
    }),
  ];
  return lines.join('');
}
