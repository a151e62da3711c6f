import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { CompiledValidation } from '../http/compiled-validation';
import { CreditsField, IdField, NameField } from '../http/fields';

/** A monthly limit: 0 allowed (nothing may be spent), ≤ 1,000,000,000, ≤ 6 fractional digits. */
const LIMIT_PATTERN = /^(?:1000000000(?:\.0{1,6})?|\d{1,9}(?:\.\d{1,6})?)$/;

export class OpenOrganizationDto {
  @IdField('Idempotency key and id of the organisation.', { example: 'org-1' })
  organizationId!: string;

  @NameField('Plan of the rate card its members get (business, enterprise, edu, …).', 'business')
  plan!: string;

  @ApiProperty({ description: 'Display name.', example: 'Acme Inc.' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;
}

export class OrganizationIdParam {
  @IdField('The organisation.', { example: 'org-1' })
  orgId!: string;
}

export class MemberParams extends OrganizationIdParam {
  @IdField('The member account.')
  accountId!: string;
}

export class GroupParams extends OrganizationIdParam {
  @NameField('The group of members the limit is for.', 'engineering')
  group!: string;
}

export class CreditRequestParams extends OrganizationIdParam {
  @IdField('The credit request.', { example: 'cr-1' })
  requestId!: string;
}

export class AddMemberDto {
  @NameField('Group of members (spend limits may be set per group); none when absent.', 'engineering', {
    optional: true,
  })
  group?: string;
}

export class SpendLimitDto {
  @ApiProperty({
    description: 'Credits a member may spend per calendar month (UTC) at this level, or null to clear it.',
    type: String,
    nullable: true,
    example: '100',
  })
  @ValidateIf((dto: SpendLimitDto) => dto.creditsPerMonth !== null)
  @IsString()
  @Matches(LIMIT_PATTERN, {
    message:
      '$property must be a decimal string ≥ 0, at most 1000000000, with at most 6 fractional digits, or null',
  })
  creditsPerMonth!: string | null;
}

@CompiledValidation()
export class RequestCreditsDto {
  @IdField('Idempotency key of the request.', { example: 'cr-1' })
  requestId!: string;

  @IdField('The member asking.')
  accountId!: string;

  @CreditsField('Credits asked for, beyond the current monthly limit.')
  credits!: string;

  @ApiPropertyOptional({ description: 'Why, for the organisation admin.', example: 'release week' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class DecideCreditRequestDto {
  @ApiProperty({ description: 'true approves (raises the limit for this UTC month), false declines.' })
  @IsBoolean()
  approve!: boolean;

  @ApiPropertyOptional({ description: 'Why, kept with the decision.', example: 'ok for this sprint' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}
