import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { IdField } from '../http/fields';

export class ReverseUsageDto {
  @IdField('Idempotency key of the reversal.', { example: 'rv-1' })
  reversalId!: string;

  @ApiProperty({ description: 'Why the usage should not cost (a failed task…).', example: 'task failed' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;
}

export class UsageIdParam {
  @IdField('The usage to reverse (a usage or a settlement of a hold).', { example: 'u-1' })
  usageId!: string;
}
