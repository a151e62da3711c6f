import { Controller, Get, HttpCode, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { LedgerReadSide, type TrialBalance, type VerifyReport } from '@ledger/projections';
import { Roles } from '../auth/roles.decorator';
import { answerQuery } from '../read-side/query-answer';
import { ExportQueryDto } from '../read-side/query.dto';

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
} as const;

@ApiTags('finance')
@Controller('v1/finance')
export class FinanceController {
  constructor(private readonly readSide: LedgerReadSide) {}

  @Get('trial-balance')
  @Roles('finance')
  @ApiOperation({ summary: 'Every ledger account with its balance; the total is always 0' })
  trialBalance(): TrialBalance {
    return this.readSide.journals.trialBalance();
  }

  @Get('export')
  @Roles('finance')
  @ApiOperation({
    summary: 'The journal, streamed as CSV (one line per posting) or JSONL (one entry per line)',
  })
  export(@Query() query: ExportQueryDto): StreamableFile {
    const { format, body } = answerQuery('', () => this.readSide.journalExport.stream(query));
    return new StreamableFile(body, {
      type: CONTENT_TYPES[format],
      disposition: `attachment; filename="journal.${format}"`,
    });
  }

  @Post('verify')
  @Roles('finance')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replays the whole log into fresh read models and compares them row by row with the live ones',
  })
  verify(): Promise<VerifyReport> {
    return this.readSide.verify();
  }
}
