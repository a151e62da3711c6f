import { Global, Module } from '@nestjs/common';
import { LedgerReadSide } from '@ledger/projections';
import { MemberUsageService } from './member-usage.service';
import { MembershipService } from './membership.service';
import { OrganizationCommandsService } from './organization-commands.service';
import { MembershipCommandHandler, OrganizationCommandHandler } from './organizations.commands';
import { OrganizationsController } from './organizations.controller';
import { OrgAlertsController } from './org-alerts.controller';
import {
  DUE_MEMBER_RESERVATIONS,
  ReservationSweeper,
  type DueMemberReservations,
} from './reservation-sweeper';

/**
 * Organisations, write side (SPEC §7): the routes, the org stream's command handling, membership
 * across the two streams, a member's usage through the pool, and the reservation sweeper. Global:
 * the usage handlers send a member's usage through MemberUsageService.
 */
@Global()
@Module({
  controllers: [OrganizationsController, OrgAlertsController],
  providers: [
    OrganizationCommandsService,
    MembershipService,
    MemberUsageService,
    OrganizationCommandHandler,
    MembershipCommandHandler,
    ReservationSweeper,
    {
      provide: DUE_MEMBER_RESERVATIONS,
      useFactory: (readSide: LedgerReadSide): DueMemberReservations => readSide.organizations,
      inject: [LedgerReadSide],
    },
  ],
  exports: [OrganizationCommandsService, MemberUsageService, ReservationSweeper],
})
export class OrganizationsModule {}
