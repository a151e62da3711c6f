import { Global, Inject, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { LEDGER_CONFIG, type LedgerConfig } from '../config/ledger-config';
import { ApiKeyRing, loadOrCreateApiKeys, type LoadedKeys } from './api-keys';
import { ApiKeyGuard } from './api-key.guard';

const LOADED_KEYS = Symbol('LOADED_KEYS');

/** API keys and roles; every route is guarded (deny by default, see @Roles/@Public). */
@Global()
@Module({
  providers: [
    {
      provide: LOADED_KEYS,
      inject: [LEDGER_CONFIG],
      useFactory: (config: LedgerConfig) => loadOrCreateApiKeys(config.apiKeys, config.dataDir),
    },
    {
      provide: ApiKeyRing,
      inject: [LOADED_KEYS],
      useFactory: (loaded: LoadedKeys) => new ApiKeyRing(loaded.keys, loaded.secret),
    },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeyRing],
})
export class AuthModule implements OnApplicationBootstrap {
  constructor(@Inject(LOADED_KEYS) private readonly loaded: LoadedKeys) {}

  onApplicationBootstrap(): void {
    const generated = this.loaded.generated;
    if (!generated) return;
    // Never the keys themselves: log lines are shipped. main.ts prints them to the terminal after listen.
    new Logger('Auth').warn(
      `No LEDGER_API_KEYS set: generated one key per role and stored them in ${generated.file} (mode 600)`,
    );
  }
}
