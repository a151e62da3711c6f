import type { CliContext } from '../cli-context';
import { CliError, ExitCode } from '../exit-codes';
import { allocationsText, money } from '../output/event-description';
import { keyValueLines, shortTime } from '../output/text-format';
import { accountTimeline, type AccountHistoryItem } from '../read-models/account-history';
import { catchUpReadModels } from '../read-models/read-models-catch-up';
import type { HoldPlaced } from '@ledger/domain';
import {
  explainSettlement,
  isReversalOf,
  isSettlementOf,
  renderSettlement,
  withReversal,
  type SettlementExplanation,
} from './settlement-explanation';
import {
  explainUsage,
  grantFactsOf,
  isUsageEvent,
  type GrantFacts,
  type UsageExplanation,
} from './usage-explanation';

export interface ExplainArguments {
  readonly accountId: string;
  readonly usageId: string;
  readonly json: boolean;
}

/** `ledger explain <accountId> <usageId>`: why this usage was charged what it was, or why it was refused. */
export async function explainCommand(context: CliContext, args: ExplainArguments): Promise<void> {
  await catchUpReadModels(context.readModels);
  const explanation = await findAndExplain(context, args.accountId, args.usageId);
  const out = context.io.stdout;
  if (args.json) out.write(`${JSON.stringify(explanation, null, 2)}\n`);
  else out.write(explanation.outcome === 'settled' ? renderSettlement(explanation) : render(explanation));
}

/** A usage, or a hold's settlement (issue 17: a settlement is the usage of its task). */
async function findAndExplain(
  context: CliContext,
  accountId: string,
  usageId: string,
): Promise<UsageExplanation | SettlementExplanation> {
  const grants = new Map<string, GrantFacts>();
  const placements = new Map<string, AccountHistoryItem & { readonly event: HoldPlaced }>();
  let previous: AccountHistoryItem | undefined;
  let settlement: SettlementExplanation | undefined;
  for await (const { items } of accountTimeline(context, accountId)) {
    for (const item of items) {
      const { event } = item;
      if (settlement !== undefined) {
        // A settlement may be reversed later (a failed task): read on for it.
        if (isReversalOf(event, usageId)) return withReversal(settlement, { ...item, event });
        continue;
      }
      if (isUsageEvent(event, usageId)) {
        return explainUsage({ ...item, event }, grants, previous, context.rateCard);
      }
      if (isSettlementOf(event, usageId)) {
        const placed = placements.get(event.data.holdId);
        settlement = explainSettlement({ ...item, event }, placed, previous, context.rateCard);
        continue;
      }
      if (event.type === 'HoldPlaced') placements.set(event.data.holdId, { ...item, event });
      const grant = grantFactsOf(event);
      if (grant !== null) grants.set(grant.grantId, grant);
      previous = item;
    }
  }
  if (settlement !== undefined) return settlement;
  throw new CliError(ExitCode.notFound, `account "${accountId}" has no usage "${usageId}"`);
}

function render(x: UsageExplanation): string {
  const { product, operation, quantity, units } = x.request;
  const card = x.rateCard;
  const lines = [
    `Usage ${x.usageId} of ${x.accountId} (plan ${x.plan}): ${x.outcome.toUpperCase()}\n\n`,
    keyValueLines([
      [
        'recorded',
        `${shortTime(x.recordedAt)} UTC, log position ${x.position}${x.surface ? `, from ${x.surface}` : ''}`,
      ],
      ['request', `${product} ${operation} × ${quantity} = ${units} allowance units`],
      [
        'rate card',
        `${card.version}: ${card.unitsPerQuantity} units or ${card.creditsPerQuantity} credits per ${operation}` +
          (card.today === null
            ? ''
            : `  (today's card ${card.today.version}: ${card.today.unitsPerQuantity} units / ${card.today.creditsPerQuantity} credits)`),
      ],
      ['allowance', `${x.allowanceUnits} units charged to the windows`],
      ['overage', overageText(x)],
      ['balance', `${x.balanceBefore} → ${x.balanceAfter} credits`],
    ]),
    windowsSection(x),
    x.paidBy.length > 0 ? paidBySection(x) : '',
    x.pool === null
      ? ''
      : `\n  paid by the pool of organization ${x.pool.organizationId} (reservation ${x.pool.holdId}): ${allocationsText(x.pool.allocations)}\n    (${x.pool.openAfter} credits open to the member after; its own credits wait while it is a member: \`ledger org ${x.pool.organizationId}\`)\n`,
    x.rejection === null ? '' : rejectionSection(x),
  ];
  return lines.join('');
}

function overageText(x: UsageExplanation): string {
  if (x.overageUnits === 0 && x.rateCard.unitsPerQuantity > 0) return 'none: the allowance covered it all';
  const priced = `${x.overageQuantity} × ${x.rateCard.creditsPerQuantity}`;
  const units =
    x.rateCard.unitsPerQuantity === 0
      ? 'credits-only operation'
      : `${x.overageUnits} units past the allowance`;
  const charged = x.outcome === 'accepted' ? `${x.creditsCharged} credits charged` : 'nothing charged';
  return `${units}: ${priced} = ${x.rejection?.requiredCredits ?? x.creditsCharged} credits (${charged})`;
}

function windowsSection(x: UsageExplanation): string {
  if (x.windows.length === 0)
    return `\n  windows: plan ${x.plan} has no allowance for ${x.request.product}\n`;
  const before = x.windows.map((w) => `${w.usedBefore}/${w.limit}`);
  const after = x.windows.map((w) => `${w.usedAfter}/${w.limit}`);
  const widthBefore = Math.max(...before.map((t) => t.length));
  const widthAfter = Math.max(...after.map((t) => t.length));
  const rows = x.windows.map(
    (w, i) =>
      [
        `${w.product} ${w.window}`,
        `${before[i].padStart(widthBefore)} → ${after[i].padEnd(widthAfter)}` +
          (w.resetsAt === null ? '  (not started)' : `  resets ${shortTime(w.resetsAt)}`),
      ] as const,
  );
  return `\n  windows (used before → after):\n${keyValueLines(rows, '    ')}`;
}

function paidBySection(x: UsageExplanation): string {
  const rows = x.paidBy.map(
    (g) =>
      [
        g.grantId,
        `${g.drawn} of ${g.credits} — ${g.kind === 'purchase' ? `purchase${g.amountPaid ? ` (${money(g.amountPaid.amountMinor, g.amountPaid.currency)})` : ''}` : 'promotional grant'}, granted ${shortTime(g.grantedAt)}, expires ${shortTime(g.expiresAt)}`,
      ] as const,
  );
  return `\n  paid by (burn order: priority, expiry, promotional first, grant time): ${allocationsText(x.paidBy.map((g) => ({ grantId: g.grantId, credits: g.drawn })))}\n${keyValueLines(rows, '    ')}`;
}

function rejectionSection(x: UsageExplanation): string {
  const r = x.rejection;
  if (r === null) return '';
  const product = x.request.product;
  const why = {
    insufficient_credits: `the allowance was used up and the overage needed ${r.requiredCredits} credits usable for ${product}; the balance was ${x.balanceBefore}.`,
    overage_not_allowed: `plan ${x.plan} may not pay ${product} overage with credits (buying credits would not help).`,
    spending_cap_reached: `the overage of ${r.requiredCredits} credits would have passed the account's spending cap of ${r.spendingCap ?? '?'} credits/month.`,
    member_limit_reached: `the overage of ${r.requiredCredits} credits would have passed the member's ${r.organization?.limitSource ?? ''} spend limit of ${r.organization?.limit ?? '?'} credits this month in organization ${r.organization?.organizationId ?? '?'}.`,
  }[r.reason];
  const ways: string[] = [];
  if (r.allowanceBackAt !== null)
    ways.push(`from ${shortTime(r.allowanceBackAt)} UTC, when the allowance covers it again`);
  if (r.reason === 'insufficient_credits')
    ways.push(`at once with ${r.requiredCredits} credits usable for ${product} ("Add credits")`);
  if (r.reason === 'spending_cap_reached')
    ways.push('with a higher spending cap, or next calendar month (UTC)');
  if (r.reason === 'member_limit_reached')
    ways.push(
      'with a higher limit (an approved credit request raises it for this month), or next calendar month (UTC)',
    );
  const when =
    ways.length === 0
      ? '  It could not have passed on this plan: a window limit is below its units.\n'
      : `  It could have passed:\n${ways.map((w) => `    - ${w}\n`).join('')}`;
  return `\n  Rejected (${r.reason}): ${why}\n${when}`;
}
