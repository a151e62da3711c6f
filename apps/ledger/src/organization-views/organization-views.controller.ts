import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  LedgerReadSide,
  type JournalPage,
  type NotificationPage,
  type OrganizationView,
  type OrgTimelinePage,
} from '@ledger/projections';
import { Roles } from '../auth/roles.decorator';
import { CLOCK, type Clock } from '../clock/clock';
import { JOURNAL_PAGE_SCHEMA } from '../finance/finance.responses';
import { CompiledValidation } from '../http/compiled-validation';
import { IdField } from '../http/fields';
import { ApiAnswer, ApiErrors } from '../http/openapi';
import { answerAsyncQuery, answerQuery } from '../read-side/query-answer';
import { JournalQueryDto, TimelineQueryDto } from '../read-side/query.dto';
import { NOTIFICATIONS_PAGE_SCHEMA } from '../alerts/alerts.responses';
import { NotificationsQueryDto } from '../alerts/notifications.controller';
import { ORGANIZATION_TIMELINE_PAGE_SCHEMA, ORGANIZATION_VIEW_SCHEMA } from './organization-views.responses';

@CompiledValidation()
export class OrganizationIdParam {
  @IdField('The organisation.', { example: 'org-1' })
  orgId!: string;
}

/**
 * The organisations' read side (API.md "Organisations"): the view, the journal and the timeline,
 * served from the read models (`?minPosition=` waits for a command's position, as for accounts).
 */
@ApiTags('organizations')
@Controller('v1/organizations')
export class OrganizationViewsController {
  constructor(
    private readonly readSide: LedgerReadSide,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get(':orgId')
  @Roles('service', 'admin', 'finance', 'support')
  @ApiAnswer(200, 'The organisation', ORGANIZATION_VIEW_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 503)
  @ApiOperation({
    summary:
      'Pool balance and grants, spend limits, members with group, spent this month (UTC), effective limit and its source, credit requests',
  })
  organization(@Param() { orgId }: OrganizationIdParam): OrganizationView {
    return answerQuery(`organization "${orgId}" is not open`, () =>
      this.readSide.organizations.organization(orgId, this.clock.now()),
    );
  }

  @Get(':orgId/journal')
  @Roles('finance', 'support')
  @ApiAnswer(200, 'A page of journal entries', JOURNAL_PAGE_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 503)
  @ApiOperation({
    summary:
      "An organisation's double-entry journal: its pool's money (purchases, grants, member reservations, settlements, releases, expiries) and its other events",
  })
  journal(@Param() { orgId }: OrganizationIdParam, @Query() query: JournalQueryDto): JournalPage {
    return answerQuery(`organization "${orgId}" has no journal entries`, () =>
      this.readSide.journals.organizationJournal(orgId, query),
    );
  }

  @Get(':orgId/timeline')
  @Roles('support', 'finance')
  @ApiAnswer(200, 'A page of the timeline', ORGANIZATION_TIMELINE_PAGE_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 503)
  @ApiOperation({
    summary:
      "An organisation's events in order, each with the organisation after it; with asOf, the state at that instant",
  })
  timeline(
    @Param() { orgId }: OrganizationIdParam,
    @Query() query: TimelineQueryDto,
  ): Promise<OrgTimelinePage> {
    return answerAsyncQuery(`organization "${orgId}" has no events`, () =>
      this.readSide.organizationTimelines.timeline(orgId, query),
    );
  }

  @Get(':orgId/notifications')
  @Roles('service', 'support')
  @ApiAnswer(200, 'The organisation’s notifications in log order, paged', NOTIFICATIONS_PAGE_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 503)
  @ApiOperation({
    summary:
      "The pool's notifications (credits.depleted, credits.expiring; accountId = the organisation) and its members' member_limit.reached, each with organizationId",
  })
  notifications(
    @Param() { orgId }: OrganizationIdParam,
    @Query() query: NotificationsQueryDto,
  ): NotificationPage {
    return answerQuery(`organization "${orgId}" is not open`, () =>
      this.readSide.organizations.organization(orgId, this.clock.now()) === null
        ? null
        : this.readSide.notifications.listForOrganization(orgId, {
            cursor: query.cursor,
            limit: query.limit,
          }),
    );
  }
}
