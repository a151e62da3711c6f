import { Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { LEDGER_CONFIG, type LedgerConfig } from '../config/ledger-config';
import { announceServer } from './server-presence';

/** Marks the data dir as served by this process for as long as it runs (`ledger rebuild` refuses meanwhile). */
@Module({})
export class ServerPresenceModule implements OnModuleInit, OnApplicationShutdown {
  private withdraw?: () => void;

  constructor(@Inject(LEDGER_CONFIG) private readonly config: LedgerConfig) {}

  onModuleInit(): void {
    this.withdraw = announceServer(this.config.dataDir);
  }

  onApplicationShutdown(): void {
    this.withdraw?.();
  }
}
