import { creditsFromStored, formatCredits, isoOf, type Credits } from '@ledger/domain';
import {
  customerOfLedgerAccount,
  organizationOfLedgerAccount,
  type JournalEntryView,
  type TrialBalance,
} from '@ledger/projections';
import type { CliContext } from '../cli-context';
import { count, keyValueLines, shortTime } from '../output/text-format';
import { catchUpReadModels } from '../read-models/read-models-catch-up';

export interface TrialBalanceArguments {
  readonly asOf?: number;
  readonly json: boolean;
}

/** `ledger trial-balance [--as-of <time>]`: every ledger account's balance; the total is always 0. */
export async function trialBalanceCommand(context: CliContext, args: TrialBalanceArguments): Promise<void> {
  await catchUpReadModels(context.readModels);
  const balance =
    args.asOf === undefined
      ? context.readModels.readSide.journals.trialBalance()
      : await trialBalanceAsOf(context, args.asOf);
  const out = context.io.stdout;
  if (args.json) {
    out.write(
      `${JSON.stringify({ ...balance, ...(args.asOf === undefined ? {} : { asOf: isoOf(args.asOf) }) }, null, 2)}\n`,
    );
    return;
  }
  out.write(render(balance, args.asOf));
}

/** The journal summed up to an instant (inclusive), streamed: constant memory for any journal size. */
async function trialBalanceAsOf(context: CliContext, asOf: number): Promise<TrialBalance> {
  const readSide = context.readModels.readSide;
  const position = readSide.journals.trialBalance().position;
  // The export's `to` is exclusive; entries recorded at the instant itself belong to it.
  const { body } = readSide.journalExport.stream({ to: isoOf(asOf + 1), format: 'jsonl' });
  const sums = new Map<string, Credits>();
  let last = '0';
  let partial = '';
  for await (const chunk of body as AsyncIterable<string | Buffer>) {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const entry = JSON.parse(line) as JournalEntryView;
      last = entry.position;
      for (const posting of entry.postings) {
        sums.set(
          posting.ledgerAccount,
          (sums.get(posting.ledgerAccount) ?? 0n) + signedCredits(posting.amount),
        );
      }
    }
  }
  const ledgerAccounts = Object.fromEntries(
    [...sums].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, formatCredits(v)]),
  );
  const total = [...sums.values()].reduce((sum, v) => sum + v, 0n);
  return { ledgerAccounts, total: formatCredits(total), position: positionCounted(last, position) };
}

/** The position of the last entry counted (the journal's own position when nothing is cut off). */
function positionCounted(lastCounted: string, journalPosition: string): string {
  return lastCounted === '0' ? journalPosition : lastCounted;
}

function signedCredits(amount: string): Credits {
  return amount.startsWith('-') ? -creditsFromStored(amount.slice(1)) : creditsFromStored(amount);
}

function render(balance: TrialBalance, asOf: number | undefined): string {
  const own: [string, string][] = [];
  let customers = 0n;
  let customerCount = 0;
  let pools = 0n;
  const organizations = new Set<string>();
  for (const [account, amount] of Object.entries(balance.ledgerAccounts)) {
    const organization = organizationOfLedgerAccount(account);
    if (organization !== null) {
      // An organisation's pool: its credits and what open member reservations hold of them.
      pools += signedCredits(amount);
      organizations.add(organization);
    } else if (customerOfLedgerAccount(account) === null) own.push([account, side(amount)]);
    else {
      customers += signedCredits(amount);
      customerCount += 1;
    }
  }
  const poolLine: [string, string][] =
    organizations.size === 0
      ? []
      : [
          [
            `organization pools (${count(organizations.size)} organization${organizations.size === 1 ? '' : 's'})`,
            side(formatCredits(pools)),
          ],
        ];
  const when = asOf === undefined ? '' : ` as of ${shortTime(isoOf(asOf))} UTC`;
  return [
    `Trial balance${when} (${asOf === undefined ? '' : 'up to '}journal position ${balance.position}), in credits; debit +, credit -:\n\n`,
    keyValueLines([
      ...own,
      [`customer credits (${count(customerCount)} accounts)`, side(formatCredits(customers))],
      ...poolLine,
      ['total', side(balance.total)],
    ]),
    balance.total === '0' ? '\nBalanced: debits equal credits.\n' : '\nUNBALANCED: the total is not zero.\n',
  ].join('');
}

function side(amount: string): string {
  if (amount === '0') return amount.padStart(14);
  return amount.startsWith('-') ? `${amount.padStart(14)}  credit` : `${amount.padStart(14)}  debit`;
}
