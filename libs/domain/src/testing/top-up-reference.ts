import { creditsFromStored } from '../credits';
import { msFromStored, utcMonthOf } from '../time';

/**
 * Test reference for auto top-up, from a stream's log alone (an account's or an organisation
 * pool's): in each UTC month the credits of requests that did not fail never pass the monthly limit
 * in force when each was made, a request opens only while auto top-up is on and never while another
 * is open, and only when the balance it names is below the threshold.
 */
/** The reference: what the log says about requests, month by month. */
export function checkTopUps(log: readonly { readonly type: string; readonly data: object }[]): void {
  const open = new Map<string, { credits: bigint; month: number }>();
  const perMonth = new Map<number, bigint>();
  let enabled = false;
  for (const e of log) {
    const d = e.data as Record<string, unknown>;
    switch (e.type) {
      case 'AutoTopUpSet':
        enabled = d.enabled as boolean;
        break;
      case 'AutoTopUpDisabled':
        enabled = false;
        break;
      case 'TopUpRequested': {
        expect(enabled).toBe(true);
        expect(open.size).toBe(0); // never two requests open
        const month = utcMonthOf(msFromStored(d.recordedAt as string));
        const c = creditsFromStored(d.credits as string);
        expect(c > 0n).toBe(true);
        const total = (perMonth.get(month) ?? 0n) + c;
        expect(total <= creditsFromStored(d.monthlyLimitCredits as string)).toBe(true); // never past the limit
        expect(creditsFromStored(d.balance as string) < creditsFromStored(d.belowCredits as string)).toBe(
          true,
        );
        perMonth.set(month, total);
        open.set(d.topUpId as string, { credits: c, month });
        break;
      }
      case 'TopUpFailed': {
        const o = open.get(d.topUpId as string);
        expect(o).toBeDefined();
        if (o !== undefined) perMonth.set(o.month, (perMonth.get(o.month) ?? 0n) - o.credits);
        open.delete(d.topUpId as string);
        break;
      }
      case 'CreditsPurchased':
      case 'OrgCreditsPurchased': // an organisation pool's purchase fulfils its request alike
        open.delete(d.purchaseId as string);
        break;
      default:
        break;
    }
  }
}
