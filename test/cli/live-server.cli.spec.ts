import { ExitCode } from '../../apps/ledger-cli/src/exit-codes';
import { startTestLedger, type TestLedger } from '../support/ledger-app';
import { ledger, removeLedger } from './support/launch-ledger';

/**
 * The CLI against the data dir of a RUNNING server: the server's runner keeps applying the log to
 * the read models, so the CLI must read them without racing it (a second writer of the same rows
 * would stop the server's read side on a duplicate key).
 */
describe('ledger next to a running server', () => {
  let server: TestLedger;
  beforeAll(async () => {
    server = await startTestLedger({ LOG_LEVEL: 'error' });
  });
  afterAll(async () => {
    await server.close();
    removeLedger(server.dataDir);
  });

  async function recordUsage(usageId: string): Promise<string> {
    const response = await server
      .as('service')
      .post('/v1/usage', {
        usageId,
        accountId: 'zoe',
        product: 'codex',
        operation: 'local_message',
        quantity: 10,
      })
      .expect(201);
    return (response.body as { position: string }).position;
  }

  it('reads what the server applied, and leaves the server applying', async () => {
    await server.as('service').post('/v1/accounts', { accountId: 'zoe', plan: 'plus' }).expect(201);
    await recordUsage('zoe-1');
    const first = await ledger(server.dataDir, ['timeline', 'zoe']);
    expect(first.code).toBe(ExitCode.ok);
    expect(first.stdout).toContain('2 events.');

    const position = await recordUsage('zoe-2');
    const second = await ledger(server.dataDir, ['timeline', 'zoe']);
    expect(second.stdout).toContain('3 events.');
    expect((await ledger(server.dataDir, ['verify'])).code).toBe(ExitCode.ok);

    // The server's own read side still follows the log.
    const later = await recordUsage('zoe-3');
    const timeline = await server
      .as('support')
      .get(`/v1/accounts/zoe/timeline?minPosition=${later}`)
      .expect(200);
    expect((timeline.body as { items: unknown[] }).items).toHaveLength(4);
    expect(BigInt(later)).toBeGreaterThan(BigInt(position));
  });
});
