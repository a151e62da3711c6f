import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { IdField, NameField } from '../http/fields';

export const RESET_SCOPES = ['all', 'plan', 'account'] as const;
export type ResetScope = (typeof RESET_SCOPES)[number];

export class ResetLimitsDto {
  @IdField('Idempotency key of the reset.', { example: 'reset-1' })
  resetId!: string;

  @ApiProperty({ enum: RESET_SCOPES, description: 'Whose limits: everyone, one plan, or one account.' })
  @IsIn(RESET_SCOPES, { message: `$property must be one of: ${RESET_SCOPES.join(', ')}` })
  scope!: ResetScope;

  @NameField('The plan, when scope is "plan".', 'plus', { optional: 'when' })
  @ValidateIf((dto: ResetLimitsDto) => dto.scope === 'plan' || dto.plan !== undefined)
  plan?: string;

  @IdField('The account, when scope is "account".', { optional: 'when' })
  @ValidateIf((dto: ResetLimitsDto) => dto.scope === 'account' || dto.accountId !== undefined)
  accountId?: string;

  @NameField('Only this product’s windows. Default: every product.', 'codex', { optional: true })
  product?: string;

  @ApiProperty({
    description: 'Why (shown in the journal and the timeline).',
    example: 'rate limits reset for launch',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;
}
