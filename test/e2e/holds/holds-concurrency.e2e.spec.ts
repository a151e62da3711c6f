import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

const TOKENS = 'gpt-5.5:output_tokens';
const HOLDS = 40;

/** A decimal credit string as micro-credits (exact). */
function micro(credits: string): bigint {
  const [whole, fraction = ''] = credits.split('.');
  return BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
}

/**
 * Many holds at once against credits for only some of them, usage beside them, then every hold
 * settled (within or beyond) or released at once: never more held than the balance, every request
 * answered, and the books exact to the micro-credit.
 */
describe.each(ENGINES)('concurrent holds (e2e) [%s]', (engine) => {
  let ledger: TestLedger;

  beforeAll(async () => {
    ledger = await startTestLedger({}, { engine });
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it(`answers ${HOLDS} concurrent holds and 10 usages within the credits, then settles and releases them all exactly`, async () => {
    const service = ledger.as('service');
    const initial = '50.000001';
    await service.post('/v1/accounts', { accountId: 'acct-many', plan: 'plus' }).expect(201);
    await service
      .post('/v1/accounts/acct-many/credits/purchases', {
        purchaseId: 'p-many',
        credits: initial,
        amountPaid: { amountMinor: 5000, currency: 'USD' },
      })
      .expect(201);
    // 3001 tokens = 2.25075 credits a hold: the credits cover 22 of them at most.
    const holds = Array.from({ length: HOLDS }, (_, i) =>
      service.post('/v1/holds', {
        holdId: `h-${i}`,
        accountId: 'acct-many',
        product: 'codex',
        lines: [{ operation: TOKENS, quantity: 3001 }],
      }),
    );
    const usages = Array.from({ length: 10 }, (_, i) =>
      service.post('/v1/usage', {
        usageId: `u-beside-${i}`,
        accountId: 'acct-many',
        product: 'codex',
        operation: TOKENS,
        quantity: 1001,
      }),
    );
    const [holdAnswers, usageAnswers] = await Promise.all([Promise.all(holds), Promise.all(usages)]);
    expect(
      [...holdAnswers, ...usageAnswers].map((r) => r.status).filter((s) => s !== 201 && s !== 402),
    ).toEqual([]);
    const placed = holdAnswers.filter((r) => r.status === 201);
    const used = usageAnswers
      .filter((r) => r.status === 201)
      .reduce((sum, r) => sum + micro(r.body.charged.credits as string), 0n);
    const held = placed.reduce((sum, r) => sum + micro(r.body.held.credits as string), 0n);
    expect(placed.length).toBeGreaterThan(0);
    expect(placed.length).toBeLessThan(HOLDS);
    expect(held + used).toBeLessThanOrEqual(micro(initial));
    // Each answer's own view: what it holds never above what was there, balance never negative.
    for (const r of [...holdAnswers, ...usageAnswers]) {
      expect(micro(r.body.credits.balance as string)).toBeGreaterThanOrEqual(0n);
      expect(
        micro(r.body.credits.balance as string) + micro(r.body.credits.held as string),
      ).toBeLessThanOrEqual(micro(initial));
    }
    // Every refusal is for want of credits, while what is held and used leaves less than one hold.
    for (const r of holdAnswers.filter((a) => a.status === 402))
      expect(r.body).toMatchObject({ reason: 'insufficient_credits', requiredCredits: '2.25075' });
    expect(micro(initial) - held - used).toBeLessThan(micro('2.25075'));

    // Settle the odd ones (some within, some beyond), release the even ones, all at once.
    const ends = await Promise.all(
      placed.map((r, i) => {
        const holdId = r.body.holdId as string;
        return i % 2 === 1
          ? service.post(`/v1/holds/${holdId}/settlement`, {
              usageId: `u-${holdId}`,
              lines: [{ operation: TOKENS, quantity: 1000 + ((i * 997) % 4001) }],
            })
          : service.post(`/v1/holds/${holdId}/release`, { reason: 'done' });
      }),
    );
    expect(ends.map((r) => r.status).filter((s) => s !== 201 && s !== 200)).toEqual([]);
    const charged = ends
      .filter((r) => r.status === 201)
      .reduce((sum, r) => sum + micro(r.body.charged.credits as string), 0n);
    const position = ends.map((r) => BigInt(r.body.position as string)).reduce((x, y) => (x > y ? x : y));
    const account = await ledger
      .as('support')
      .get(`/v1/accounts/acct-many?minPosition=${position}`)
      .expect(200);
    expect(micro(account.body.credits.balance as string)).toBe(micro(initial) - used - charged);
    expect(account.body.credits.held).toBe('0');
  }, 120_000);
});
