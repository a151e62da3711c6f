import { creditsFromStored } from '@ledger/domain';
import { ExitCode } from '../../apps/ledger-cli/src/exit-codes';
import { startEsdbDouble, type EsdbDouble } from '../support/esdb-double/esdb-double';
import { holdsLedger, ledger as runLedger, removeLedger } from './support/launch-ledger';

/**
 * `ledger timeline` and `ledger explain` on holds and reversals (issue 17), on a ledger written through the real HTTP
 * server, on the embedded SQLite store and on EventStoreDB (the protocol double).
 */
describe.each(['sqlite', 'eventstoredb'] as const)(
  'ledger timeline and explain: holds and reversals (%s)',
  (engine) => {
    let dataDir: string;
    let double: EsdbDouble | undefined;
    let env: Record<string, string> = {};
    const ledger = (dir: string, argv: readonly string[]) => runLedger(dir, argv, env);
    beforeAll(async () => {
      if (engine === 'eventstoredb') {
        double = await startEsdbDouble();
        env = { EVENTSTORE_CONNECTION_STRING: double.connectionString };
      }
      dataDir = await holdsLedger(env.EVENTSTORE_CONNECTION_STRING);
    });
    afterAll(async () => {
      await double?.stop();
      removeLedger(dataDir);
    });

    it('describes each hold event: what was held, refused, spent from the hold, released, reversed', async () => {
      const run = await ledger(dataDir, ['timeline', 'frank']);
      expect(run.code).toBe(ExitCode.ok);
      const out = run.stdout;
      expect(out).toMatch(/HoldPlaced\s+\[-45\.2\]\s+4\.8/);
      expect(out).toContain(
        'hold [frank-task-1] codex gpt-5.5:input_tokens ×200000, gpt-5.5:cached_input_tokens ×400000, gpt-5.5:output_tokens ×20000: holds 45.2 credits from frank-credits-1 45.2 until 2026-11-08 11:01',
      );
      expect(out).toMatch(/HoldRejected\s+4\.8/);
      expect(out).toMatch(/refused: insufficient_credits, needs 7\.5 credits/);
      expect(out).toMatch(/HoldSettled\s+\+12\.51\s+17\.31/);
      expect(out).toContain(
        'hold [frank-task-1] settled as usage [frank-u-task-1] codex gpt-5.5:input_tokens ×150000, gpt-5.5:cached_input_tokens ×380000, gpt-5.5:output_tokens ×12000: spent 32.69 credits (frank-credits-1 32.69) from the hold; released 12.51 credits back to frank-credits-1 12.51',
      );
      expect(out).toMatch(/HoldSettled\s+\+6\s+12\.81/);
      expect(out).toMatch(/UsageReversed\s+\+4\.5\s+17\.31/);
      expect(out).toContain(
        'usage [frank-u-task-3] reversed [frank-reversal-1] ("task failed: sandbox crashed"): credits back to frank-credits-1 4.5',
      );
      expect(out).toContain('8 events.');
    });

    it("reconciles: each row's credits column is the change in the balance column", async () => {
      const run = await ledger(dataDir, ['timeline', 'frank', '--json']);
      const body = JSON.parse(run.stdout) as { items: { type: string; stateAfter: { balance: string } }[] };
      const text = await ledger(dataDir, ['timeline', 'frank']);
      const rows = text.stdout.split('\n').filter((line) => /^\s*\d+\s+2026-/.test(line));
      expect(rows).toHaveLength(body.items.length);
      // Exact: bigint micro-credits, never a float near an amount.
      const micro = (s: string) =>
        s.startsWith('-') ? -creditsFromStored(s.slice(1)) : creditsFromStored(s.replace(/^\+/, ''));
      let previous = 0n;
      rows.forEach((row, i) => {
        const cells = row.split(/\s{2,}/).map((c) => c.trim());
        const credits = cells.find((c) => /^\[?[+-][\d.]+\]?$/.test(c));
        const balance = micro(body.items[i].stateAfter.balance);
        const change = credits === undefined ? 0n : micro(credits.replace(/[[\]]/g, ''));
        expect({ type: body.items[i].type, change }).toEqual({
          type: body.items[i].type,
          change: balance - previous,
        });
        previous = balance;
      });
    });

    it('explains a settlement: the hold, what it spent from it and beyond, what it released, each line priced', async () => {
      const run = await ledger(dataDir, ['explain', 'frank', 'frank-u-task-1']);
      expect(run.code).toBe(ExitCode.ok);
      expect(run.stdout).toContain(
        'Usage frank-u-task-1 of frank (plan plus): SETTLED from hold frank-task-1\n',
      );
      expect(run.stdout).toMatch(
        /hold\s+frank-task-1 placed 2026-11-08 10:01 UTC \(position \d+\), held 45\.2 credits \(frank-credits-1 45\.2\), until 2026-11-08 11:01/,
      );
      expect(run.stdout).toMatch(/from the hold\s+32\.69 credits \(frank-credits-1 32\.69\)/);
      expect(run.stdout).toMatch(/beyond it\s+nothing/);
      expect(run.stdout).toMatch(/released\s+credits back to frank-credits-1 12\.51/);
      expect(run.stdout).toMatch(/balance\s+4\.8 → 17\.31 credits/);
      expect(run.stdout).toMatch(/gpt-5\.5:input_tokens\s+150000 × 0\.000125 = 18\.75 credits/);
      expect(run.stdout).toMatch(/gpt-5\.5:cached_input_tokens\s+380000 × 0\.000013 = 4\.94 credits/);
      expect(run.stdout).toMatch(/gpt-5\.5:output_tokens\s+12000 × 0\.00075 = 9 credits/);
      expect(run.stdout).not.toContain('REVERSED');
    });

    it('explains a reversed settlement, naming the reversal; --json gives it as data', async () => {
      const run = await ledger(dataDir, ['explain', 'frank', 'frank-u-task-3']);
      expect(run.stdout).toContain('SETTLED from hold frank-task-3, then REVERSED');
      expect(run.stdout).toMatch(
        /reversed\s+frank-reversal-1 at 2026-11-08 11:30 UTC \(position \d+\): 4\.5 credits back \("task failed: sandbox crashed"\)/,
      );
      const json = await ledger(dataDir, ['explain', 'frank', 'frank-u-task-3', '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({
        outcome: 'settled',
        holdId: 'frank-task-3',
        consumed: { credits: '4.5', allocations: [{ grantId: 'frank-credits-1', credits: '4.5' }] },
        released: { credits: '6' },
        uncollected: { credits: '0', reason: null },
        balanceBefore: '6.81',
        balanceAfter: '12.81',
        reversal: { reversalId: 'frank-reversal-1', credits: '4.5' },
      });
      const missing = await ledger(dataDir, ['explain', 'frank', 'frank-task-3']);
      expect(missing.code).toBe(ExitCode.notFound);
    });

    it('verifies clean and the trial balance balances with holds, settlements and a reversal in the log', async () => {
      const verify = await ledger(dataDir, ['verify']);
      expect(verify.stdout).toContain('OK: the live read models are exactly what the log says.');
      const trial = await ledger(dataDir, ['trial-balance']);
      expect(trial.stdout).toContain('Balanced: debits equal credits.');
    });
  },
);
