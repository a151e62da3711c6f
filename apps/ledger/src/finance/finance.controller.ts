import { Controller, Get, HttpCode, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { LedgerReadSide, type TrialBalance, type VerifyReport } from '@ledger/projections';
import { Roles } from '../auth/roles.decorator';
import { ApiAnswer, ApiErrors, schema } from '../http/openapi';
import { answerQuery } from '../read-side/query-answer';
import { ExportQueryDto } from '../read-side/query.dto';
import { TRIAL_BALANCE_SCHEMA, VERIFY_PROGRESS_SCHEMA, VERIFY_REPORT_SCHEMA } from './finance.responses';
import { VerificationService, type VerificationState } from './verification.service';

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
} as const;

@ApiTags('finance')
@Controller('v1/finance')
export class FinanceController {
  constructor(
    private readonly readSide: LedgerReadSide,
    private readonly verification: VerificationService,
  ) {}

  @Get('trial-balance')
  @Roles('finance')
  @ApiAnswer(200, 'The trial balance', TRIAL_BALANCE_SCHEMA)
  @ApiErrors(400, 401, 403, 503)
  @ApiOperation({ summary: 'Every ledger account with its balance; the total is always 0' })
  trialBalance(): TrialBalance {
    return this.readSide.journals.trialBalance();
  }

  @Get('export')
  @Roles('finance')
  @ApiProduces(CONTENT_TYPES.jsonl, CONTENT_TYPES.csv)
  @ApiAnswer(
    200,
    'JSONL: one journal entry per line; CSV: a header, then one line per posting',
    schema.string('the journal, streamed'),
  )
  @ApiErrors(400, 401, 403, 503)
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
  @ApiAnswer(200, 'The verification report', VERIFY_REPORT_SCHEMA)
  @ApiErrors(401, 403, 503)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replays the whole log into fresh read models and compares them row by row with the live ones',
    description:
      'Runs on its own thread (requests keep their latency), one verification at a time; progress at GET /v1/finance/verify/progress. ok is false, with `readSide.status: "behind"`, when the live read models do not reach the head the log had when it began (a stopped projection: see /health).',
  })
  verify(): Promise<VerifyReport> {
    return this.verification.verify();
  }

  @Get('verify/progress')
  @Roles('finance')
  @ApiAnswer(200, 'The running verification and the last result', VERIFY_PROGRESS_SCHEMA)
  @ApiErrors(400, 401, 403, 503)
  @ApiOperation({
    summary: 'Whether a verification is running, its phase and events replayed so far, and the last result',
  })
  verifyProgress(): VerificationState {
    return this.verification.state();
  }
}
