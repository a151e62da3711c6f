import { ExpiryScheduler } from '../../../apps/ledger/src/expiry/expiry-scheduler';
import { removeDir, startTestLedger } from '../../support/ledger-app';

// A sweep in flight when the app closes: the read side closes its file before the core's shutdown
// hooks run, so a scheduler that awaited its sweep there read a closed file ("The database
// connection is not open") and close() rejected. The scheduler stops in onModuleDestroy instead.
describe('expiry scheduler at shutdown', () => {
  it('closes cleanly with a sweep of due holds and credits in flight', async () => {
    const ledger = await startTestLedger();
    let closed = false;
    try {
      const service = ledger.as('service');
      for (let i = 0; i < 5; i++) {
        const accountId = `acct-shut-${i}`;
        await service.post('/v1/accounts', { accountId, plan: 'plus' }).expect(201);
        await service
          .post(`/v1/accounts/${accountId}/credits/purchases`, {
            purchaseId: `p-${i}`,
            credits: '50',
            amountPaid: { amountMinor: 500, currency: 'USD' },
            expiresAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
          })
          .expect(201);
        await service
          .post('/v1/holds', {
            holdId: `h-${i}`,
            accountId,
            product: 'codex',
            lines: [{ operation: 'cloud_task', quantity: 10 }],
            ttlSeconds: 60,
          })
          .expect(201);
      }
      await ledger.app.get(ExpiryScheduler).onModuleDestroy(); // no timer sweeps: this test drives one
      await ledger.advanceClock(5 * 86_400_000);
      const scheduler = ledger.app.get(ExpiryScheduler);
      (scheduler as unknown as { stopping: boolean }).stopping = false;
      const inFlight = scheduler.sweep();
      const closing = ledger.app.close();
      closed = true;
      await expect(closing).resolves.toBeUndefined();
      await expect(inFlight).resolves.toEqual(expect.any(Number));
    } finally {
      if (!closed) await ledger.app.close();
      removeDir(ledger.dataDir);
    }
  }, 60_000);
});
