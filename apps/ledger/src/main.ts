import 'reflect-metadata';
import { ConfigError, loadLedgerConfig } from './config/ledger-config';
import { createLedgerApp } from './http/create-app';

async function main(): Promise<void> {
  const config = loadLedgerConfig();
  const app = await createLedgerApp(config);
  await app.listen({ port: config.port, host: config.host });
}

main().catch((error: unknown) => {
  // A bad rate card or environment is the operator's to fix: say what, without a stack.
  if (error instanceof ConfigError) console.error(`ledger: ${error.message}`);
  else console.error(error);
  process.exit(1);
});
