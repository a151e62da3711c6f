import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { RateCard } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLOCK, type Clock } from '../../ledger/src/clock/clock';
import { ConfigError, loadLedgerConfig, type LedgerConfig } from '../../ledger/src/config/ledger-config';
import { RATE_CARD } from '../../ledger/src/core/tokens';
import { EVENT_STORE } from '../../ledger/src/store/store.tokens';
import type { CliIo } from './cli-io';
import { CliError, ExitCode } from './exit-codes';
import { LedgerCliModule } from './ledger-cli.module';
import { CliReadModels } from './read-models/cli-read-models';

/** How long the store may take to answer its first read before it counts as unreachable. */
const STORE_PROBE_TIMEOUT_MS = 5_000;

/** What every command works with: the ledger's own modules, opened without HTTP. */
export interface CliContext {
  readonly io: CliIo;
  readonly config: LedgerConfig;
  readonly store: EventStore;
  readonly rateCard: RateCard;
  readonly clock: Clock;
  readonly readModels: CliReadModels;
}

/**
 * Nest's own log lines stay off stdout (it carries the command's output). Warnings go to stderr;
 * errors are not printed here: each one reaches `runCli`, which prints it once with its exit code.
 */
function stderrLogger(io: CliIo): LoggerService {
  const warn = (message: unknown) => io.stderr.write(`ledger: warning: ${String(message)}\n`);
  return { log: () => undefined, warn, error: () => undefined };
}

/**
 * Opens the ledger core (config, clock, rate card, event store) and the read models in a Nest
 * application context, runs `work`, and always closes it (stores flushed, files released).
 */
export async function withLedger<T>(io: CliIo, work: (context: CliContext) => Promise<T>): Promise<T> {
  const config = configOf(io);
  assertEventLogPresent(config);
  let app: INestApplicationContext;
  try {
    app = await NestFactory.createApplicationContext(LedgerCliModule.forConfig(config), {
      logger: stderrLogger(io),
      abortOnError: false,
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(ExitCode.usage, error.message);
    throw new CliError(ExitCode.storeUnreachable, `cannot open the ledger: ${(error as Error).message}`);
  }
  try {
    const context: CliContext = {
      io,
      config,
      store: app.get<EventStore>(EVENT_STORE),
      rateCard: app.get<RateCard>(RATE_CARD),
      clock: app.get<Clock>(CLOCK),
      readModels: app.get(CliReadModels),
    };
    await probeStore(context);
    return await work(context);
  } finally {
    await app.close();
  }
}

function configOf(io: CliIo): LedgerConfig {
  try {
    return loadLedgerConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(ExitCode.usage, error.message);
    throw error;
  }
}

/** The CLI reads an existing ledger: it never creates an empty one in a mistyped directory. */
function assertEventLogPresent(config: LedgerConfig): void {
  if (config.eventStoreConnectionString !== undefined) return;
  const file = path.join(config.dataDir, 'events.sqlite');
  if (!fs.existsSync(file)) {
    throw new CliError(
      ExitCode.storeUnreachable,
      `no event log at ${file}: set LEDGER_DATA_DIR to the ledger's data dir, or EVENTSTORE_CONNECTION_STRING`,
    );
  }
}

async function probeStore({ store, config }: CliContext): Promise<void> {
  const where = config.eventStoreConnectionString ?? path.join(config.dataDir, 'events.sqlite');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${STORE_PROBE_TIMEOUT_MS / 1000} s`)),
      STORE_PROBE_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([store.headPosition(), timeout]);
  } catch (error) {
    throw new CliError(
      ExitCode.storeUnreachable,
      `the event store at ${where} is unreachable: ${(error as Error).message}`,
    );
  } finally {
    clearTimeout(timer);
  }
}
