import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { LedgerReadSide, type NotificationPage } from '@ledger/projections';
import { Roles } from '../auth/roles.decorator';
import { ApiAnswer, ApiErrors } from '../http/openapi';
import { AccountIdParam } from '../http/params';
import { answerQuery } from '../read-side/query-answer';
import { NOTIFICATIONS_PAGE_SCHEMA } from './alerts.responses';

export class NotificationsQueryDto {
  @ApiPropertyOptional({
    description: 'nextCursor of the previous page (`<position>.<ordinal>`)',
    pattern: '^\\d{1,19}\\.\\d{1,6}$',
    example: '42.0',
  })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,19}\.\d{1,6}$/, { message: '$property must be a nextCursor returned by a previous page' })
  cursor?: string;

  @ApiPropertyOptional({
    description: 'Items per page, 1–1000 (default 100)',
    type: 'integer',
    minimum: 1,
    maximum: 1000,
    example: 100,
  })
  @IsOptional()
  @IsString()
  @Matches(/^(?:[1-9]\d{0,2}|1000)$/, { message: '$property must be an integer from 1 to 1000' })
  limit?: string;
}

@ApiTags('alerts')
@Controller('v1/accounts')
export class NotificationsController {
  constructor(private readonly readSide: LedgerReadSide) {}

  @Get(':accountId/notifications')
  @Roles('service', 'support')
  @ApiAnswer(200, 'The account’s notifications in log order, paged', NOTIFICATIONS_PAGE_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 503)
  @ApiOperation({
    summary:
      'Notifications derived from the log (window.threshold, credits.low, credits.depleted, credits.expiring, spending_cap.reached, hold.expired, topup.requested, topup.failed), each once, with a deterministic id',
  })
  notifications(
    @Param() { accountId }: AccountIdParam,
    @Query() query: NotificationsQueryDto,
  ): NotificationPage {
    return answerQuery(`account "${accountId}" is not open`, () =>
      this.readSide.accounts.stateOf(accountId) === null
        ? null
        : this.readSide.notifications.list(accountId, { cursor: query.cursor, limit: query.limit }),
    );
  }
}
