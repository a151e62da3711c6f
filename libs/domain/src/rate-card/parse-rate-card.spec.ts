import shipped from '../../../../config/rate-card.json';
import { parseRateCard } from './parse-rate-card';

const minimal = () => ({
  version: 'v1',
  credits: { defaultExpiryDays: 365 },
  products: { codex: { operations: { local_message: { unitsPerQuantity: 1, creditsPerQuantity: '5' } } } },
  plans: {
    plus: {
      products: {
        codex: { creditsAllowed: true, windows: [{ name: '5h', durationMs: 18_000_000, limitUnits: 150 }] },
      },
    },
  },
});

describe('parseRateCard', () => {
  it('accepts the shipped config/rate-card.json with every plan and product', () => {
    const result = parseRateCard(shipped);
    expect(result).toMatchObject({ ok: true, rateCard: { version: '2026-11-01' } });
    if (!result.ok) return;
    expect(Object.keys(result.rateCard.plans).sort()).toEqual([
      'business',
      'edu',
      'enterprise',
      'free',
      'plus',
      'pro',
    ]);
    expect(result.rateCard.products.sora.retired).toBe(true);
    expect(result.rateCard.products.codex.operations['gpt-5.5:output_tokens']).toEqual({
      unitsPerQuantity: 0,
      creditsPerQuantity: 750n,
    });
    expect(result.rateCard.plans.free.products.codex.creditsAllowed).toBe(false);
  });

  it('reads prices as exact micro-credits', () => {
    const result = parseRateCard(minimal());
    expect(result.ok && result.rateCard.products.codex.operations.local_message.creditsPerQuantity).toBe(
      5_000_000n,
    );
  });

  it('names a bad window duration by its JSON path', () => {
    const card = minimal();
    card.plans.plus.products.codex.windows[0].durationMs = 0;
    expect(parseRateCard(card)).toEqual({
      ok: false,
      errors: [{ path: '$.plans.plus.products.codex.windows[0].durationMs', message: expect.any(String) }],
    });
  });

  it('names every fault at once, quoting keys that are not identifiers', () => {
    const card = minimal() as Record<string, unknown> & ReturnType<typeof minimal>;
    (card.products.codex.operations as Record<string, unknown>)['gpt-5.5:input_tokens'] = {
      unitsPerQuantity: -1,
      creditsPerQuantity: '1e-3',
    };
    card.credits.defaultExpiryDays = 0;
    card.version = '';
    const result = parseRateCard(card);
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual([
      '$.version',
      '$.credits.defaultExpiryDays',
      '$.products.codex.operations["gpt-5.5:input_tokens"].unitsPerQuantity',
      '$.products.codex.operations["gpt-5.5:input_tokens"].creditsPerQuantity',
    ]);
  });

  it("refuses a plan's product that is not in products", () => {
    const card = minimal();
    (card.plans.plus.products as Record<string, unknown>).sora = { creditsAllowed: true, windows: [] };
    const result = parseRateCard(card);
    expect(result.ok ? [] : result.errors).toEqual([
      { path: '$.plans.plus.products.sora', message: 'product "sora" is not defined in $.products' },
    ]);
  });

  it('refuses unknown fields, so a typo never means "no limit"', () => {
    const card = minimal();
    (card.plans.plus.products.codex.windows[0] as Record<string, unknown>).limitUnit = 5;
    const result = parseRateCard(card);
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual([
      '$.plans.plus.products.codex.windows[0].limitUnit',
    ]);
  });

  it('refuses duplicate window names, negative limits and a non-object root', () => {
    const card = minimal();
    card.plans.plus.products.codex.windows.push({ name: '5h', durationMs: 1, limitUnits: -1 });
    const result = parseRateCard(card);
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual([
      '$.plans.plus.products.codex.windows[1].name',
      '$.plans.plus.products.codex.windows[1].limitUnits',
    ]);
    expect(parseRateCard([])).toEqual({ ok: false, errors: [{ path: '$', message: 'must be an object' }] });
  });

  it('defaults retired to false and a plan-level creditsAllowed to true', () => {
    const result = parseRateCard(minimal());
    expect(result.ok && result.rateCard.products.codex.retired).toBe(false);
    expect(result.ok && result.rateCard.plans.plus.creditsAllowed).toBe(true);
  });

  it('refuses absurd window durations and effective dates beyond 9999, naming the path (SPEC §10)', () => {
    const card = minimal();
    card.plans.plus.products.codex.windows[0].durationMs = 8.64e15;
    const result = parseRateCard({ ...card, effectiveFrom: '9999-12-31T23:59:59-01:00' });
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['$.plans.plus.products.codex.windows[0].durationMs', '$.effectiveFrom']),
    );
  });
});
