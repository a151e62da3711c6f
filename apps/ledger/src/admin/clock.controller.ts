import { Body, Controller, HttpCode, Inject, NotFoundException, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { CLOCK, ClockError, SimulatedClock, type Clock } from '../clock/clock';
import { ExpiryScheduler } from '../expiry/expiry-scheduler';
import { ApiAnswer, ApiErrors, schema } from '../http/openapi';
import { invalidRequest } from '../http/validation';
import { AdvanceClockDto } from './clock.dto';

@ApiTags('admin')
@Controller('v1/admin/clock')
export class ClockController {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly expiry: ExpiryScheduler,
  ) {}

  @Post()
  @Roles('admin')
  @ApiBody({ type: AdvanceClockDto, examples: { example: { value: { advanceMs: 18000000 } } } })
  @ApiAnswer(200, 'The simulated time now', schema.object({ now: schema.time() }))
  @ApiErrors(400, 401, 403, 404, 415)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Move the simulated clock (LEDGER_CLOCK=simulated only; never backwards). 404 otherwise.',
  })
  async move(@Body() dto: AdvanceClockDto): Promise<{ now: string }> {
    if (!(this.clock instanceof SimulatedClock))
      throw new NotFoundException('the ledger runs on the system clock');
    if (dto.advanceMs !== undefined && dto.now !== undefined) {
      throw invalidRequest([{ field: 'now', message: 'give either advanceMs or now, not both' }]);
    }
    try {
      const now =
        dto.now !== undefined
          ? this.clock.set(Date.parse(dto.now))
          : this.clock.advanceBy(dto.advanceMs ?? 0);
      // Time jumped: credits that expired meanwhile are written off now, as the scheduler would have.
      await this.expiry.sweep();
      return { now: new Date(now).toISOString() };
    } catch (error) {
      if (error instanceof ClockError)
        throw invalidRequest([
          { field: dto.now !== undefined ? 'now' : 'advanceMs', message: error.message },
        ]);
      throw error;
    }
  }
}
