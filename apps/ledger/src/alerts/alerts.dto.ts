import { ApiProperty } from '@nestjs/swagger';
import {
  IsBoolean,
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { MAX_EXPIRING_WITHIN_DAYS } from '@ledger/domain';
import { AccountIdParam } from '../http/params';
import { CreditsField, IdField } from '../http/fields';

/** A credit amount that may be 0 (a threshold): ≤ 1,000,000,000 with ≤ 6 fractional digits. */
const THRESHOLD_PATTERN = /^(?:1000000000(?:\.0{1,6})?|\d{1,9}(?:\.\d{1,6})?)$/;
const THRESHOLD_MESSAGE =
  '$property must be a decimal string ≥ 0, at most 1000000000, with at most 6 fractional digits';

export class SetAlertsDto {
  @ApiProperty({
    description:
      '`credits.low` fires when a command moves the balance from at or above this to below it; null turns it off.',
    type: String,
    nullable: true,
    example: '10',
  })
  @ValidateIf((dto: SetAlertsDto) => dto.creditsBelow !== null)
  @IsString()
  @Matches(THRESHOLD_PATTERN, { message: `${THRESHOLD_MESSAGE}, or null` })
  creditsBelow!: string | null;

  @ApiProperty({
    description:
      '`credits.expiring` fires once per grant whose remainder expires within this many days; null turns it off.',
    type: 'integer',
    nullable: true,
    example: 7,
  })
  @ValidateIf((dto: SetAlertsDto) => dto.expiringWithinDays !== null)
  @IsInt()
  @Min(1)
  @Max(MAX_EXPIRING_WITHIN_DAYS)
  expiringWithinDays!: number | null;
}

export class SetAutoTopUpDto {
  @ApiProperty({ description: 'Off keeps the setting but requests nothing.', example: true })
  @IsBoolean()
  enabled!: boolean;

  @ApiProperty({
    description: 'A command that leaves the balance below this requests a top-up.',
    type: String,
    example: '20',
  })
  @IsString()
  @Matches(THRESHOLD_PATTERN, { message: THRESHOLD_MESSAGE })
  belowCredits!: string;

  @CreditsField('The balance a top-up aims for; greater than belowCredits.')
  targetCredits!: string;

  @CreditsField('Credits that may be requested per calendar month (UTC); never passed.')
  monthlyLimitCredits!: string;
}

export class TopUpFailureDto {
  @ApiProperty({
    description: 'Why the payment side could not fulfil the request.',
    example: 'card declined',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;
}

export class TopUpParams extends AccountIdParam {
  @IdField('The outstanding top-up request (TopUpRequested.topUpId).', { example: 'topup-7' })
  topUpId!: string;
}
