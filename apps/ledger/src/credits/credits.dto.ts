import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CreditsField, IdField, TimeField } from '../http/fields';

export class MoneyDto {
  @ApiProperty({
    description: 'Amount in minor units of the currency (cents), an integer.',
    type: 'integer',
    example: 4000,
  })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  amountMinor!: number;

  @ApiProperty({ description: 'ISO 4217 currency code.', example: 'USD' })
  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: '$property must be an ISO 4217 code such as USD' })
  currency!: string;
}

class GrantFieldsDto {
  @CreditsField('Credits granted, a decimal string.')
  credits!: string;

  @TimeField(
    'When the grant expires. Default: the rate card’s defaultExpiryDays after now.',
    '2099-12-31T00:00:00Z',
  )
  expiresAt?: string;

  @ApiPropertyOptional({
    description: 'Products the credits apply to. Default: every product.',
    example: ['codex'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(128, { each: true })
  products?: string[];
}

export class PurchaseCreditsDto extends GrantFieldsDto {
  @IdField('Idempotency key of the purchase.', { example: 'p-1' })
  purchaseId!: string;

  @ApiProperty({ type: MoneyDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  amountPaid!: MoneyDto;
}

export class GrantCreditsDto extends GrantFieldsDto {
  @IdField('Idempotency key of the promotional grant.', { example: 'g-1' })
  grantId!: string;

  @ApiProperty({
    description: 'Why the credits are granted (shown in the journal).',
    example: 'launch promotion',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;

  @ApiPropertyOptional({
    description: 'Burn order: lower first. 0–1000, default 100.',
    type: 'integer',
    example: 100,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  priority?: number;
}

export class RefundPurchaseDto {
  @IdField('Idempotency key of the refund.', { example: 'r-1' })
  refundId!: string;

  @ApiProperty({ description: 'Why the purchase is refunded.', example: 'customer request' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;
}

export class SpendingCapDto {
  @ApiProperty({
    description: 'Credits that may be spent per calendar month (UTC), or null for no cap.',
    type: String,
    nullable: true,
    example: '100',
  })
  @ValidateIf((dto: SpendingCapDto) => dto.creditsPerMonth !== null)
  @IsString()
  @Matches(/^\d{1,10}(\.\d{1,6})?$/, {
    message: '$property must be a decimal string with at most 6 fractional digits, or null',
  })
  creditsPerMonth!: string | null;
}
