import { Module, type DynamicModule } from '@nestjs/common';
import type { LedgerConfig } from '../../ledger/src/config/ledger-config';
import { LedgerCoreModule } from '../../ledger/src/core/ledger-core.module';
import { CliReadModels } from './read-models/cli-read-models';

/** The ledger without HTTP (config, clock, rate card, event store) plus this node's read models. */
@Module({})
export class LedgerCliModule {
  static forConfig(config: LedgerConfig): DynamicModule {
    return {
      module: LedgerCliModule,
      imports: [LedgerCoreModule.forConfig(config)],
      providers: [CliReadModels],
      exports: [CliReadModels],
    };
  }
}
