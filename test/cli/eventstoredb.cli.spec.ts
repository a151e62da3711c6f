import { ExitCode } from '../../apps/ledger-cli/src/exit-codes';
import { startEsdbDouble, type EsdbDouble } from '../support/esdb-double/esdb-double';
import { startTestLedger } from '../support/ledger-app';
import { ledger, removeLedger } from './support/launch-ledger';

/** The CLI on EventStoreDB: the real client over gRPC to the protocol double (SPEC §1). */
describe('ledger on EventStoreDB', () => {
  let double: EsdbDouble;
  let dataDir: string;
  beforeAll(async () => {
    double = await startEsdbDouble();
    const server = await startTestLedger({
      EVENTSTORE_CONNECTION_STRING: double.connectionString,
      LOG_LEVEL: 'error',
    });
    dataDir = server.dataDir;
    try {
      await server.as('service').post('/v1/accounts', { accountId: 'yan', plan: 'plus' }).expect(201);
      const usage = {
        usageId: 'yan-1',
        accountId: 'yan',
        product: 'codex',
        operation: 'cloud_task',
        quantity: 31,
      };
      await server.as('service').post('/v1/usage', usage).expect(402);
    } finally {
      await server.close();
    }
  });
  afterAll(async () => {
    await double.stop();
    removeLedger(dataDir);
  });

  it('reads the timeline, explains a rejection and verifies, from EVENTSTORE_CONNECTION_STRING', async () => {
    const env = { EVENTSTORE_CONNECTION_STRING: double.connectionString };
    const timeline = await ledger(dataDir, ['timeline', 'yan'], env);
    expect(timeline.code).toBe(ExitCode.ok);
    expect(timeline.stdout).toContain('refused: insufficient_credits, needs 25 credits');
    const explain = await ledger(dataDir, ['explain', 'yan', 'yan-1'], env);
    expect(explain.stdout).toMatch(/overage\s+5 units past the allowance: 1 × 25 = 25 credits/);
    const verify = await ledger(dataDir, ['verify'], env);
    expect(verify.code).toBe(ExitCode.ok);
    expect(verify.stdout).toContain('OK: the live read models are exactly what the log says.');
  });
});
