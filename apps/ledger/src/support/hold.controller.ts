import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { LedgerReadSide, type HoldView } from '@ledger/projections';
import { Roles } from '../auth/roles.decorator';
import { ApiAnswer, ApiErrors } from '../http/openapi';
import { CompiledValidation } from '../http/compiled-validation';
import { IdField } from '../http/fields';
import { answerQuery } from '../read-side/query-answer';
import { HOLD_SCHEMA } from './hold.responses';

@CompiledValidation()
export class HoldIdParam {
  @IdField('The hold (its id is unique within its account).', { example: 'h-1' })
  holdId!: string;
}

@ApiTags('support')
@Controller('v1/holds')
export class HoldController {
  constructor(private readonly readSide: LedgerReadSide) {}

  @Get(':holdId')
  @Roles('service', 'support')
  @ApiAnswer(200, 'The hold', HOLD_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 409, 503)
  @ApiOperation({
    summary:
      'A hold: its account, status (held, settled, released, expired), lines, what it holds, expiry and settlement usage id. 409 when several accounts hold a hold of that id',
  })
  hold(@Param() { holdId }: HoldIdParam): HoldView {
    return answerQuery(`no hold "${holdId}"`, () => this.readSide.holds.holdOf(holdId) ?? null);
  }
}
