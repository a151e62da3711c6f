import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Max, Min, ValidateIf } from 'class-validator';
import { IsLedgerInstant } from '../http/fields';

export class AdvanceClockDto {
  @ApiPropertyOptional({
    description: 'Move the simulated clock forward by this many milliseconds.',
    type: 'integer',
    example: 18000000,
  })
  @ValidateIf((dto: AdvanceClockDto) => dto.now === undefined)
  @IsInt()
  @Min(0)
  @Max(10 * 365 * 86_400_000)
  advanceMs?: number;

  @ApiPropertyOptional({
    description: 'Set the simulated clock to this time (never backwards).',
    format: 'date-time',
    example: '2026-11-24T12:00:00Z',
  })
  @ValidateIf((dto: AdvanceClockDto) => dto.advanceMs === undefined)
  @IsString()
  @IsLedgerInstant()
  now?: string;
}
