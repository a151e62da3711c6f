import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_HOLD_LINES, MAX_HOLD_TTL_SECONDS } from '@ledger/domain';
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
  MinLength,
  ValidateNested,
} from 'class-validator';
import { CompiledValidation } from '../http/compiled-validation';
import { IdField, NameField } from '../http/fields';
import { MAX_QUANTITY } from '../usage/usage.dto';

/** One line of a hold or a settlement: an operation of the hold's product and its quantity, as in usage. */
export class HoldLineDto {
  @NameField('Operation of the product, as named in the rate card.', 'cloud_task')
  operation!: string;

  @ApiProperty({
    description: 'How many of the operation (a positive integer).',
    type: 'integer',
    example: 2,
    minimum: 1,
    maximum: MAX_QUANTITY,
  })
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity!: number;
}

/** The lines of a hold or a settlement: 1..MAX_HOLD_LINES objects, each checked as a HoldLineDto. */
function Lines(description: string): PropertyDecorator {
  return (target, property) => {
    ApiProperty({ description, type: [HoldLineDto], minItems: 1, maxItems: MAX_HOLD_LINES })(
      target,
      property,
    );
    IsArray()(target, property);
    ArrayMinSize(1)(target, property);
    ArrayMaxSize(MAX_HOLD_LINES)(target, property);
    // Without it class-validator would take an array of arrays of lines (it validates nested arrays item by item).
    IsObject({ each: true, message: 'each line must be a JSON object' })(target, property);
    ValidateNested()(target, property);
    Type(() => HoldLineDto)(target, property);
  };
}

@CompiledValidation()
export class PlaceHoldDto {
  @IdField('Idempotency key of the hold: a retry with the same body returns the original outcome.', {
    example: 'h-1',
  })
  holdId!: string;

  @IdField('The billing account.')
  accountId!: string;

  @NameField('Product, as named in the rate card: every line is an operation of it.', 'codex')
  product!: string;

  @Lines('What to hold, decided like usage of these lines one after another.')
  lines!: HoldLineDto[];

  @ApiPropertyOptional({
    description: `Seconds until the hold is released by itself (default 3600, at most ${MAX_HOLD_TTL_SECONDS}).`,
    type: 'integer',
    example: 3600,
    minimum: 1,
    maximum: MAX_HOLD_TTL_SECONDS,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_HOLD_TTL_SECONDS)
  ttlSeconds?: number;
}

@CompiledValidation()
export class SettleHoldDto {
  @IdField('The usage this settlement records (its idempotency key; a usage id is used once).', {
    example: 'u-1',
  })
  usageId!: string;

  @Lines('What was actually used, of the hold’s product.')
  lines!: HoldLineDto[];
}

export class ReleaseHoldDto {
  @ApiProperty({ description: 'Why the hold is released.', example: 'task cancelled' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;
}

@CompiledValidation()
export class HoldIdParam {
  @IdField('The hold.', { example: 'h-1' })
  holdId!: string;
}

/** The same parameter; its documented example is another hold than the settlement's (a hold ends once). */
@CompiledValidation()
export class HoldToReleaseParam {
  @IdField('The hold.', { example: 'h-2' })
  holdId!: string;
}
