import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { CompiledValidation } from '../http/compiled-validation';
import { IdField, NameField, TimeField } from '../http/fields';

export const MAX_QUANTITY = 1_000_000_000;
export const MAX_BATCH = 1_000;

@CompiledValidation()
export class RecordUsageDto {
  @IdField('Idempotency key of this usage: a retry with the same body returns the original outcome.', {
    example: 'u-1',
  })
  usageId!: string;

  @IdField('The billing account.')
  accountId!: string;

  @NameField('Product, as named in the rate card.', 'codex')
  product!: string;

  @NameField('Operation of the product, as named in the rate card.', 'local_message')
  operation!: string;

  @ApiProperty({
    description: 'How many of the operation (a positive integer).',
    type: 'integer',
    example: 3,
    minimum: 1,
    maximum: MAX_QUANTITY,
  })
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity!: number;

  @ApiPropertyOptional({
    description: 'Where the usage came from (cli, ide, web, …), kept as information.',
    example: 'cli',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  surface?: string;

  @TimeField(
    'When the caller saw it happen; informational. The ledger assigns recordedAt from its own clock.',
  )
  occurredAt?: string;
}

@CompiledValidation()
export class RecordUsageBatchDto {
  @ApiProperty({
    description: `Up to ${MAX_BATCH} usage bodies; each is validated and decided on its own, results in input order.`,
    type: 'array',
    items: { type: 'object' },
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH)
  @IsObject({ each: true, message: 'each record must be a JSON object' })
  @Type(() => Object)
  records!: Record<string, unknown>[];
}
