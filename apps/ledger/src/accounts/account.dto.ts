import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { MAX_QUANTITY } from '@ledger/domain';
import { IdField, NameField } from '../http/fields';

export class OpenAccountDto {
  @IdField('The billing account id, chosen by the caller; also the idempotency key of the opening.')
  accountId!: string;

  @NameField('The plan, as named in the rate card.', 'plus')
  plan!: string;
}

export class ChangePlanDto {
  @NameField('The new plan; its limits apply to the current windows.', 'pro')
  plan!: string;
}

export class EntitlementQueryDto {
  @NameField('Product, as named in the rate card.', 'codex')
  product!: string;

  @NameField('Operation of the product.', 'local_message')
  operation!: string;

  @ApiProperty({
    description: 'How many of the operation.',
    type: 'integer',
    example: 1,
    minimum: 1,
    maximum: MAX_QUANTITY,
  })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value,
  )
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity!: number;
}
