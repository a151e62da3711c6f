import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { RateCard } from '@ledger/domain';
import { LedgerReadSide, type TimelinePage } from '@ledger/projections';
import { Roles } from '../auth/roles.decorator';
import { RATE_CARD } from '../core/tokens';
import { ApiAnswer, ApiErrors } from '../http/openapi';
import { AccountIdParam } from '../http/params';
import { TIMELINE_PAGE_SCHEMA } from './timeline.responses';
import { answerAsyncQuery } from '../read-side/query-answer';
import { TimelineQueryDto } from '../read-side/query.dto';

@ApiTags('support')
@Controller('v1/accounts')
export class TimelineController {
  constructor(
    private readonly readSide: LedgerReadSide,
    @Inject(RATE_CARD) private readonly rateCard: RateCard,
  ) {}

  @Get(':accountId/timeline')
  @Roles('support', 'finance')
  @ApiAnswer(200, 'A page of the timeline', TIMELINE_PAGE_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 503)
  @ApiOperation({
    summary:
      "An account's events in order, each with the state after it; with asOf, the state at that instant",
  })
  timeline(@Param() { accountId }: AccountIdParam, @Query() query: TimelineQueryDto): Promise<TimelinePage> {
    return answerAsyncQuery(`account "${accountId}" has no events`, () =>
      this.readSide.timelines.timeline(accountId, query, this.rateCard),
    );
  }
}
