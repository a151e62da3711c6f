import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import { destination } from 'pino';
import { AccountsModule } from './accounts/accounts.module';
import { AdminModule } from './admin/admin.module';
import { AlertsModule } from './alerts/alerts.module';
import { AuthModule } from './auth/auth.module';
import type { LedgerConfig } from './config/ledger-config';
import { ConsoleModule } from './console/console.module';
import { LedgerCoreModule } from './core/ledger-core.module';
import { CreditsModule } from './credits/credits.module';
import { ExpiryModule } from './expiry/expiry.module';
import { HealthModule } from './health/health.module';
import { HoldsModule } from './holds/holds.module';
import { LimitsModule } from './limits/limits.module';
import { OrganizationViewsModule } from './organization-views/organization-views.module';
import { OrganizationsModule } from './organizations/organizations.module';
import { ServerPresenceModule } from './presence/server-presence.module';
import { ReadSideModule } from './read-side/read-side.module';
import { ReversalsModule } from './reversals/reversals.module';
import { UsageModule } from './usage/usage.module';
import { WebhooksModule } from './webhooks/webhooks.module';

function logRequests(config: LedgerConfig): boolean {
  return config.logLevel === 'debug' || config.logLevel === 'trace';
}

/** The HTTP ledger: the core (store, clock, rate card, command handling) plus one module per feature. */
@Module({})
export class AppModule {
  static forConfig(config: LedgerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          // Request logging is pino-http as Nest middleware, only at debug. Below debug no route gets it:
          // excluding every route still ran @fastify/middie and Nest's exclusion check on each request
          // (~8% of a usage request's CPU); with no route, middie has nothing to run.
          ...(logRequests(config) ? {} : { forRoutes: [] }),
          pinoHttp: [
            {
              level: config.logLevel,
              // Per-request lines cost throughput at thousands of requests a second: opt in with LOG_LEVEL=debug.
              autoLogging: logRequests(config),
              redact: ['req.headers.authorization'],
            },
            // Written in order with what main.ts prints on the terminal (the start-up keys come last).
            destination({ dest: 1, sync: true }),
          ],
        }),
        CqrsModule.forRoot(),
        LedgerCoreModule.forConfig(config),
        ServerPresenceModule,
        AuthModule,
        ReadSideModule,
        ExpiryModule,
        HealthModule,
        AccountsModule,
        UsageModule,
        HoldsModule,
        ReversalsModule,
        CreditsModule,
        AlertsModule,
        OrganizationsModule,
        WebhooksModule,
        LimitsModule,
        AdminModule,
        ConsoleModule,
        OrganizationViewsModule,
      ],
    };
  }
}
