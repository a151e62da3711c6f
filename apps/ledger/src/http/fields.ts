import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { LEDGER_TIME_RULE, readLedgerTime } from '@ledger/domain';

/** API.md: an id is 1–128 chars of [A-Za-z0-9._:-]. */
export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/** API.md: a credit amount is a positive decimal string ≤ 1,000,000,000 with ≤ 6 fractional digits. */
export const CREDITS_PATTERN = /^(?:1000000000(?:\.0{1,6})?|[1-9]\d{0,8}(?:\.\d{1,6})?|0\.\d{1,6})$/;

export function IdField(
  description: string,
  options: { optional?: boolean | 'when'; example?: string } = {},
) {
  const doc = { description, example: options.example ?? 'acct-1', pattern: ID_PATTERN.source };
  const presence =
    options.optional === 'when'
      ? [ApiPropertyOptional(doc)]
      : options.optional
        ? [IsOptional(), ApiPropertyOptional(doc)]
        : [ApiProperty(doc)];
  return applyDecorators(
    ...presence,
    IsString(),
    Matches(ID_PATTERN, { message: '$property must be 1–128 characters of A-Z a-z 0-9 . _ : -' }),
  );
}

/** A positive credit amount; "0", "0.0" and "1e3" are refused, and so is anything over 1e9 credits. */
export function CreditsField(description: string, validation: ValidationOptions = {}) {
  return applyDecorators(
    ApiProperty({ description, example: '12.5', type: String, pattern: CREDITS_PATTERN.source }),
    IsString(validation),
    Matches(/^(?!0+(?:\.0+)?$)/, { ...validation, message: '$property must be greater than zero' }),
    Matches(CREDITS_PATTERN, {
      ...validation,
      message: '$property must be a decimal string, at most 1000000000, with at most 6 fractional digits',
    }),
  );
}

/**
 * SPEC §10: an ISO-8601 instant with a zone, within 1970-01-01T00:00:00Z..9999-12-31T23:59:59.999Z in
 * UTC once its offset is applied (`9999-12-31T23:59:59-01:00` is year 10000 and refused). The domain
 * checks the same range again; this names the field before anything is decided.
 */
export function IsLedgerInstant(validation: ValidationOptions = {}): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLedgerInstant',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && readLedgerTime(value).ok,
        defaultMessage: (args?: ValidationArguments) => {
          const reading = typeof args?.value === 'string' ? readLedgerTime(args.value) : undefined;
          return `$property ${reading !== undefined && !reading.ok ? reading.problem : `must be ${LEDGER_TIME_RULE}`}`;
        },
      },
    },
    validation,
  );
}

/**
 * `to` of a time range: after `from` when both are given. An empty or inverted range is a mistake
 * (the dates swapped), not a question whose answer is nothing: 400, as the CLI's exit 2.
 */
export function IsAfterTime(earlier: string): PropertyDecorator {
  return ValidateBy({
    name: 'isAfterTime',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => {
        const before = (args?.object as Record<string, unknown> | undefined)?.[earlier];
        if (typeof value !== 'string' || typeof before !== 'string') return true;
        const [to, from] = [readLedgerTime(value), readLedgerTime(before)];
        return !to.ok || !from.ok || to.ms > from.ms;
      },
      defaultMessage: () => `$property must be after ${earlier}`,
    },
  });
}

export function TimeField(description: string, example = '2026-11-24T12:00:00Z') {
  return applyDecorators(
    ApiPropertyOptional({ description, example, format: 'date-time' }),
    IsOptional(),
    IsString(),
    IsLedgerInstant(),
  );
}

/** `optional: 'when'` documents the field as optional and leaves presence to the caller's own ValidateIf. */
export function NameField(
  description: string,
  example: string,
  options: { optional?: boolean | 'when' } = {},
) {
  const doc = { description, example };
  if (options.optional === 'when') return applyDecorators(ApiPropertyOptional(doc), ...nameRules());
  return applyDecorators(
    ...(options.optional ? [IsOptional(), ApiPropertyOptional(doc)] : [ApiProperty(doc)]),
    ...nameRules(),
  );
}

function nameRules() {
  return [
    IsString(),
    MaxLength(128),
    Matches(/^[A-Za-z0-9._:-]+$/, { message: '$property must be a name of A-Z a-z 0-9 . _ : -' }),
  ];
}
