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
 * Sources carry credit (negative) balances, sinks debit (positive) ones, and customer accounts the
 * credits still held: deferred_revenue + promotional + consumed + expired + refunded + Σ customers = 0.
 */
export const LedgerAccounts = {
  customerCredits: (accountId: string): string => `customer:${accountId}:credits`,
  deferredRevenue: 'deferred_revenue',
  promotional: 'promotional',
  consumed: 'consumed',
  expired: 'expired',
  refunded: 'refunded',
} as const;

const CUSTOMER_ACCOUNT = /^customer:(.+):credits$/;

/** The billing account a ledger account belongs to, or null for the ledger's own accounts. */
export function customerOfLedgerAccount(ledgerAccount: string): string | null {
  return CUSTOMER_ACCOUNT.exec(ledgerAccount)?.[1] ?? null;
}
