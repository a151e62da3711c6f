import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  accountStreamName,
  decide,
  evolve,
  initialState,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
  type DecisionContext,
  type RateCard,
} from '@ledger/domain';
import { fingerprintOf } from '../../apps/ledger/src/core/command-identity';
import { loadRateCard } from '../../apps/ledger/src/core/rate-card.loader';
import type { Figure } from '../bench-report';
import { peerVersions, requireFromPeer } from './install-peer';

/**
 * Our nearest open-source peer on the same work: the ledger's own RecordUsage decider, wrapped to
 * Emmett's Decider shape, run through Emmett's DeciderCommandHandler on emmett-sqlite's file event
 * store (WAL, no snapshots, Emmett's default of no retries), set up as fast as it runs correctly.
 */

const START = Date.parse('2026-11-02T09:00:00.000Z');

export interface EmmettBenchSizes {
  readonly accounts: number;
  readonly commands: number;
  /** The ledger's in-flight count for the same workload, named in the note. */
  readonly ledgerInFlight: number;
  /** Bound on the measured phase: commands not started by then are not run. */
  readonly maxSeconds: number;
}

/** The parts of Emmett's documented API used here (the peer is not installed for type checks). */
interface EmmettDecider {
  decide(command: AccountCommand, state: AccountState): AccountEvent[];
  evolve(state: AccountState, event: AccountEvent): AccountState;
  initialState(): AccountState;
  mapToStreamId?: (id: string) => string;
}
type EmmettStore = { readonly schema: { migrate(): Promise<void> } };
type Handle = (store: EmmettStore, id: string, command: AccountCommand) => Promise<unknown>;
interface EmmettCore {
  DeciderCommandHandler(decider: EmmettDecider): Handle;
}
interface EmmettSqliteConnection {
  close(): void;
}
interface EmmettSqlite {
  sqliteConnection(options: { fileName: string }): EmmettSqliteConnection;
  getSQLiteEventStore(options: {
    fileName: string;
    schema: { autoMigration: 'CreateOrUpdate' };
    connectionOptions: { singleton: true; connection: EmmettSqliteConnection };
  }): EmmettStore;
}

function loadEmmett(root: string): { core: EmmettCore; sqlite: EmmettSqlite } {
  // Resolved from bench/peer-emmett, not from the root: Emmett is never one of the ledger's dependencies.
  const requirePeer = requireFromPeer(root);
  return {
    core: requirePeer('@event-driven-io/emmett') as EmmettCore,
    sqlite: requirePeer('@event-driven-io/emmett-sqlite') as EmmettSqlite,
  };
}

/** Our decide/evolve/initialState in Emmett's Decider shape: Emmett's `decide` has no context and returns events. */
function emmettDecider(rateCard: RateCard): EmmettDecider {
  const context: DecisionContext = { rateCard, resets: [] };
  return {
    initialState,
    evolve,
    decide: (command, state) => {
      const decision = decide(command, state, context);
      if (decision.kind === 'events') return [...decision.events];
      if (decision.kind === 'replay') return [];
      // Emmett's handlers signal a refusal by throwing; the workload has none, so one fails the bench.
      throw new Error(`${command.type} refused: ${JSON.stringify(decision.error)}`);
    },
    mapToStreamId: accountStreamName,
  };
}

/** Same stamping as the ledger's shell: the (fixed, simulated) time, a payload fingerprint, the actor. */
function command(input: Pick<AccountCommand, 'type' | 'data'>): AccountCommand {
  const fingerprint = fingerprintOf({ type: input.type, ...input.data });
  return { ...input, metadata: { now: START, fingerprint, actor: 'bench' } } as AccountCommand;
}

/**
 * emmett-sqlite now and then fails a COMMIT with "SQLITE_BUSY: cannot commit transaction - SQL
 * statements in progress" even with a single writer (about 4 in 1,000 commands here, with a
 * connection per operation; none seen on one connection, but a full run is long). The
 * transaction is rolled back, so the bench runs the command again, as a caller would; a rerun of
 * one that did land is a replay (same usageId) and appends nothing.
 */
const MAX_ATTEMPTS = 5;

function retryingOnBusy(handle: Handle): { readonly run: Handle; readonly retries: () => number } {
  let retries = 0;
  const run: Handle = async (store, id, cmd) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await handle(store, id, cmd);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !String(error).includes('SQLITE_BUSY')) throw error;
        retries++;
      }
    }
  };
  return { run, retries: () => retries };
}

/** RecordUsage commands per second through Emmett, with the workload of `command_path_per_s`. */
export async function benchEmmettRecordUsage(root: string, sizes: EmmettBenchSizes): Promise<Figure> {
  const { core, sqlite } = loadEmmett(root);
  const rateCard = loadRateCard(path.join(root, 'config', 'rate-card.json'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-bench-emmett-'));
  // emmett-sqlite console.logs each failed transaction: keep stdout for the `bench` lines.
  const log = console.log;
  console.log = (...args: unknown[]) => console.error(...args);
  let connection: EmmettSqliteConnection | undefined;
  try {
    const fileName = path.join(dir, 'events.sqlite');
    // Emmett at its best: one long-lived connection (its `singleton` option) instead of its default
    // connection per operation, which checkpoints the WAL at each close and ran 5x slower here.
    // Still a durable commit per command (SQLite's default synchronous=FULL, like the ledger's store).
    connection = sqlite.sqliteConnection({ fileName });
    const store = sqlite.getSQLiteEventStore({
      fileName,
      schema: { autoMigration: 'CreateOrUpdate' },
      connectionOptions: { singleton: true, connection },
    });
    await store.schema.migrate();
    const { run, retries } = retryingOnBusy(core.DeciderCommandHandler(emmettDecider(rateCard)));
    // One command at a time. On one connection, concurrent commands would share one transaction
    // (emmett-sqlite nests them), so a command's commit would wait for the others and a conflict
    // roll theirs back. With its default connection per operation, 2 concurrent writers already
    // fail BEGIN IMMEDIATE with SQLITE_BUSY after node-sqlite3's 1 s busy timeout (33 of 400 appends).
    for (let i = 0; i < sizes.accounts; i++) {
      const accountId = `acct-${i}`;
      await run(store, accountId, command({ type: 'OpenAccount', data: { accountId, plan: 'pro' } }));
    }
    const t0 = process.hrtime.bigint();
    const deadline = t0 + BigInt(sizes.maxSeconds * 1e9);
    let done = 0;
    while (done < sizes.commands && process.hrtime.bigint() < deadline) {
      const accountId = `acct-${done % sizes.accounts}`;
      const data = {
        usageId: `u-${done}`,
        accountId,
        product: 'codex',
        operation: 'local_message',
        quantity: 1,
      };
      await run(store, accountId, command({ type: 'RecordUsage', data }));
      done++;
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const ran =
      done === sizes.commands ? `${done}` : `${done} of ${sizes.commands} (${sizes.maxSeconds} s bound)`;
    return {
      name: 'peer_emmett_record_usage_per_s',
      value: Math.round(done / seconds),
      unit: 'commands/s',
      note: `same decider, accounts and commands as command_path_per_s (${sizes.accounts} accounts, ${ran} commands) through Emmett's DeciderCommandHandler on emmett-sqlite's file store (${peerVersions(root)}), one long-lived connection, one command in flight, not ${sizes.ledgerInFlight} (emmett-sqlite has no safe concurrent writes); ${retries()} commands rerun after a SQLITE_BUSY commit`,
    };
  } finally {
    connection?.close();
    console.log = log;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
