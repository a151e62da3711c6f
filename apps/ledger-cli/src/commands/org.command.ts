import type { OrganizationView } from '@ledger/projections';
import type { CliContext } from '../cli-context';
import { CliError, ExitCode } from '../exit-codes';
import { FixedWidthTable, keyValueLines, shortTime } from '../output/text-format';
import { catchUpReadModels } from '../read-models/read-models-catch-up';

export interface OrgArguments {
  readonly organizationId: string;
  readonly json: boolean;
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
  const view = context.readModels.readSide.organizations.organization(
    args.organizationId,
    context.clock.now(),
  );
  if (view === null)
    throw new CliError(ExitCode.notFound, `no organization "${args.organizationId}" in this ledger`);
  context.io.stdout.write(args.json ? `${JSON.stringify(view, null, 2)}\n` : render(view));
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
