import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { LedgerReadSide, type JournalPage } from '@ledger/projections';
import { Roles } from '../auth/roles.decorator';
import { ApiAnswer, ApiErrors } from '../http/openapi';
import { AccountIdParam } from '../http/params';
import { JOURNAL_PAGE_SCHEMA } from './finance.responses';
import { answerQuery } from '../read-side/query-answer';
import { JournalQueryDto } from '../read-side/query.dto';

@ApiTags('finance')
@Controller('v1/accounts')
export class JournalController {
  constructor(private readonly readSide: LedgerReadSide) {}

  @Get(':accountId/journal')
  @Roles('finance', 'support')
  @ApiAnswer(200, 'A page of journal entries', JOURNAL_PAGE_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 503)
  @ApiOperation({
    summary:
      "An account's double-entry journal: one entry per event, postings summing to zero, balance before and after",
  })
  journal(@Param() { accountId }: AccountIdParam, @Query() query: JournalQueryDto): JournalPage {
    return answerQuery(`account "${accountId}" has no journal entries`, () =>
      this.readSide.journals.journal(accountId, query),
    );
  }
}
