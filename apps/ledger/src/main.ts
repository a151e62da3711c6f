import 'reflect-metadata';
import { EventStoreDBClient } from '@eventstore/db-client';
import * as fs from 'node:fs';
import { Logger } from 'nestjs-pino';
import { checkApiKeys } from './auth/api-keys';
import { showGeneratedKeysOnce } from './auth/first-start-keys';
import { ConfigError, loadLedgerConfig, type LedgerConfig } from './config/ledger-config';
import { loadRateCard } from './core/rate-card.loader';
import { createLedgerApp } from './http/create-app';

async function main(): Promise<void> {
  // Nest colours its log lines unless NO_COLOR is set, terminal or not: escape codes in a log file help no one.
  if (!process.stderr.isTTY) process.env.NO_COLOR ??= '1';
  const config = loadLedgerConfig();
  checkBeforeStart(config);
  const app = await createLedgerApp(config);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    throw listenError(error, config);
  }
  app.get(Logger).log(`listening on ${await app.getUrl()}`, 'Ledger');
  if (config.apiKeys === undefined) showGeneratedKeysOnce(config.dataDir);
}

/**
 * What an operator can get wrong is checked here, before Nest, so it ends as one line naming the
 * variable or file: inside Nest's module factories it would be a stack trace.
 */
function checkBeforeStart(config: LedgerConfig): void {
  try {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.accessSync(config.dataDir, fs.constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError('LEDGER_DATA_DIR', `${config.dataDir} is not a writable directory (${code})`);
  }
  loadRateCard(config.rateCardPath);
  checkApiKeys(config.apiKeys, config.dataDir);
  if (config.eventStoreConnectionString !== undefined)
    checkConnectionString(config.eventStoreConnectionString);
}

/** Parsed by the client itself (it connects only on the first call): its own words, without its stack. */
function checkConnectionString(connectionString: string): void {
  try {
    void EventStoreDBClient.connectionString(connectionString).dispose();
  } catch (error) {
    throw new ConfigError('EVENTSTORE_CONNECTION_STRING', (error as Error).message);
  }
}

function listenError(error: unknown, config: LedgerConfig): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new ConfigError('PORT', `${config.port} is already in use (EADDRINUSE)`);
  if (code === 'EACCES')
    return new ConfigError('PORT', `${config.port} may not be bound by this user (EACCES)`);
  if (code === 'EADDRNOTAVAIL')
    return new ConfigError('HOST', `${config.host} is not an address of this machine`);
  return error;
}

main().catch((error: unknown) => {
  // A bad rate card or environment is the operator's to fix: say what, in one line, without a stack.
  if (error instanceof ConfigError) process.stderr.write(`ledger: ${error.message}\n`);
  else console.error(error);
  process.exit(1);
});
