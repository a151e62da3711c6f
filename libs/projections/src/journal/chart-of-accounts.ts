/**
 * The chart of accounts of the credits journal. Amounts are micro-credits; a posting's sign is
 * its side: positive = debit, negative = credit. Every entry's postings sum to zero, so the trial
 * balance (the sum over all ledger accounts) is always zero.
 *
 * Credits enter through a source account and leave through a sink account, always via the
 * customer's own account, whose balance is therefore exactly the customer's credit balance:
 *
 *   purchase        Dr customer:<id>:credits   Cr deferred_revenue   (credits sold, not yet earned)
 *   promotional     Dr customer:<id>:credits   Cr promotional        (credits given away)
 *   usage overage   Dr consumed                Cr customer:<id>:credits   (one pair per grant drawn)
 *   expiry          Dr expired                 Cr customer:<id>:credits
 *   refund          Dr refunded                Cr customer:<id>:credits
 *
 * Holds and reversals (SPEC §6): held credits leave the customer's balance for `held` (one ledger
 * account for every open hold; the per-hold figures are in the holds read model), and leave `held`
 * when the hold ends:
 *
 *   hold placed      Dr held                    Cr customer:<id>:credits   (per grant held)
 *   settle, within   Dr consumed                Cr held                    (per grant consumed)
 *   settle, beyond   Dr consumed                Cr customer:<id>:credits   (the excess charged)
 *   settle, unpaid   Dr uncollected             Cr usage_unfunded          (reason in the entry)
 *   release/expiry   Dr customer:<id>:credits   Cr held                    (back to the grant)
 *     grant expired  Dr expired                 Cr held                    (`released.expired`)
 *   reversal         Dr customer:<id>:credits   Cr consumed                (per grant given back;
 *                                                                            the regranted part names
 *                                                                            the new promotional grant)
 *
 * Organisations (SPEC §7): the pool's credits have their own pair of accounts, moved ONLY by the
 * organisation stream's events (a member's UsageRecorded paid by the pool posts nothing: the pool's
 * reservation and settlement are the money, counted once):
 *
 *   org purchase     Dr organization:<id>:credits   Cr deferred_revenue
 *   org grant        Dr organization:<id>:credits   Cr promotional
 *   member reserves  Dr organization:<id>:held      Cr organization:<id>:credits  (per pool grant)
 *   settle           Dr consumed                    Cr organization:<id>:held     (per grant consumed)
 *   release/expiry   Dr organization:<id>:credits   Cr organization:<id>:held     (the rest, back)
 *     grant expired  Dr expired                     Cr organization:<id>:held
 *   pool expiry      Dr expired                     Cr organization:<id>:credits
 *
 * `uncollected` is work done that nobody paid for (never a negative customer balance); those
 * credits never existed in any account, so their source is `usage_unfunded`, always its mirror.
 *
 * Sources carry credit (negative) balances, sinks debit (positive) ones, `held` the credits open
 * holds keep, and customer accounts the credits still drawable: deferred_revenue + promotional +
 * usage_unfunded + consumed + expired + refunded + uncollected + held + Σ customers + Σ pools = 0.
 */
export const LedgerAccounts = {
  customerCredits: (accountId: string): string => `customer:${accountId}:credits`,
  deferredRevenue: 'deferred_revenue',
  promotional: 'promotional',
  consumed: 'consumed',
  expired: 'expired',
  refunded: 'refunded',
  held: 'held',
  uncollected: 'uncollected',
  usageUnfunded: 'usage_unfunded',
  poolCredits: (organizationId: string): string => `organization:${organizationId}:credits`,
  poolHeld: (organizationId: string): string => `organization:${organizationId}:held`,
} as const;

const CUSTOMER_ACCOUNT = /^customer:(.+):credits$/;

const POOL_ACCOUNT = /^organization:(.+):(?:credits|held)$/;

/** The organisation a pool ledger account belongs to, or null. */
export function organizationOfLedgerAccount(ledgerAccount: string): string | null {
  return POOL_ACCOUNT.exec(ledgerAccount)?.[1] ?? null;
}

/** The billing account a ledger account belongs to, or null for the ledger's own accounts. */
export function customerOfLedgerAccount(ledgerAccount: string): string | null {
  return CUSTOMER_ACCOUNT.exec(ledgerAccount)?.[1] ?? null;
}
