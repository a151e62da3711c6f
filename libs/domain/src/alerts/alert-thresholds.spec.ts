import { parseRateCard } from '../rate-card';

/** The rate card's `alertThresholdsPercent` per plan (API.md "Rate card"), read by the notifications projection. */
const card = (thresholds?: unknown) => ({
  version: 't',
  credits: { defaultExpiryDays: 30 },
  products: { codex: { operations: { m: { unitsPerQuantity: 1, creditsPerQuantity: '1' } } } },
  plans: {
    plus: {
      ...(thresholds === undefined ? {} : { alertThresholdsPercent: thresholds }),
      products: { codex: { creditsAllowed: true, windows: [] } },
    },
  },
});

describe('rate card: alertThresholdsPercent', () => {
  it('defaults to [80, 100] and keeps a valid list', () => {
    const parsed = parseRateCard(card());
    expect(parsed.ok && parsed.rateCard.plans.plus.alertThresholdsPercent).toEqual([80, 100]);
    const custom = parseRateCard(card([50, 90, 100]));
    expect(custom.ok && custom.rateCard.plans.plus.alertThresholdsPercent).toEqual([50, 90, 100]);
  });

  it('refuses a list that is not ascending whole percents 1–100, naming the path', () => {
    for (const bad of [[100, 80], [0], [101], [50.5], 'x', [80, 80]]) {
      const parsed = parseRateCard(card(bad));
      expect(parsed.ok).toBe(false);
      expect(JSON.stringify(parsed)).toContain('plans.plus.alertThresholdsPercent');
    }
  });
});
