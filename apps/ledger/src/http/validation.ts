import {
  BadRequestException,
  UnsupportedMediaTypeException,
  ValidationPipe,
  type ArgumentMetadata,
  type ValidationError,
} from '@nestjs/common';
import type { RateCard } from '@ledger/domain';
import { validate, type ValidatorOptions } from 'class-validator';
import { UnsupportedBody } from './json-body';
import { rateCardFieldErrors } from './rate-card-choices';

export interface FieldError {
  readonly field: string;
  /** A whole sentence that starts with the field's path: `plan is required`. */
  readonly message: string;
}

/**
 * Rules about what a value is. When one of them fails, the others (length, range, pattern) say nothing
 * useful about that value ("must be shorter than 128 characters" of a number), so only it is reported.
 */
const TYPE_RULES = new Set([
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isArray',
  'isObject',
  'nestedValidation',
]);

/**
 * Flattens class-validator's tree into one entry per failed rule, named by its path (`amountPaid.currency`):
 * a missing field is only "is required", a value of the wrong type only its type rule, otherwise each
 * rule that failed (never one that passed).
 */
export function fieldErrors(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const constraints = Object.entries(error.constraints ?? {});
    if (constraints.length > 0 && error.value === undefined) {
      out.push({ field, message: `${field} is required` });
      continue;
    }
    if (error.constraints?.whitelistValidation !== undefined) {
      out.push({ field, message: `${field} is not a field of this request` });
      continue;
    }
    const typeFailures = constraints.filter(([rule]) => TYPE_RULES.has(rule));
    for (const [, message] of typeFailures.length > 0 ? typeFailures : constraints)
      out.push({ field, message: sentenceOf(field, error.property, message) });
    if (error.children?.length) out.push(...fieldErrors(error.children, field));
  }
  return out;
}

/** class-validator says `$property …` (the last path segment) and domain faults say `is required`: both become `path …`. */
function sentenceOf(field: string, property: string, message: string): string {
  if (message.startsWith(`${field} `) || message.startsWith(`${field}: `)) return message;
  if (message.startsWith(`${property} `)) return `${field}${message.slice(property.length)}`;
  if (/^(must|is|are|should|may|only|cannot|has|give)\b/.test(message)) return `${field} ${message}`;
  return `${field}: ${message}`;
}

/**
 * The one shape of every 400 that names fields: `message` is the sentences joined (a client that shows
 * only `message` shows what to fix), `fields` the same one by one.
 */
export function invalidRequest(fields: readonly FieldError[]): BadRequestException {
  const sentences = fields.map((f) => ({ field: f.field, message: sentenceOf(f.field, f.field, f.message) }));
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: sentences.map((f) => f.message).join('; '),
    fields: sentences,
  });
}

/** class-validator options of every request body and query: unknown fields refused, values kept for "is required". */
export const STRICT_VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: true },
  stopAtFirstError: false,
};

/** Validates a DTO instance and its rate-card names (RateCardChoice): every failed rule, as field errors. */
export async function validateDto(dto: object, rateCard: RateCard | undefined): Promise<FieldError[]> {
  return fieldErrorsWithRateCard(await validate(dto, STRICT_VALIDATOR_OPTIONS), dto, rateCard);
}

function fieldErrorsWithRateCard(
  errors: readonly ValidationError[],
  dto: object,
  rateCard: RateCard | undefined,
): FieldError[] {
  const fields = fieldErrors(errors);
  if (rateCard === undefined) return fields;
  const refused = new Set(errors.map((e) => e.property));
  return [...fields, ...rateCardFieldErrors(dto, rateCard, refused)];
}

/**
 * Strict validation: unknown fields refused, no type coercion ("5" is not 5), every bad field named,
 * names of the rate card checked against the loaded card. Nothing reaches a command handler unless
 * this passes, so nothing is appended for a bad request.
 */
class LedgerValidationPipe extends ValidationPipe {
  constructor(private readonly rateCard: RateCard | undefined) {
    super({
      ...STRICT_VALIDATOR_OPTIONS,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      exceptionFactory: (errors: ValidationError[]) => invalidRequest(fieldErrors(errors)),
    });
  }

  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (value instanceof UnsupportedBody) throw new UnsupportedMediaTypeException(value.message);
    return super.transform(value, metadata);
  }

  protected override async validate(object: object, options?: ValidatorOptions): Promise<ValidationError[]> {
    const errors = await super.validate(object, options);
    if (this.rateCard === undefined) return errors;
    const refused = new Set(errors.map((e) => e.property));
    const unknownNames = rateCardFieldErrors(object, this.rateCard, refused);
    // Carried as class-validator errors so that one 400 names every bad field, type and name alike.
    return [
      ...errors,
      ...unknownNames.map((f): ValidationError => ({
        property: f.field,
        value: null,
        constraints: { rateCardChoice: f.message },
        children: [],
      })),
    ];
  }
}

export function strictValidationPipe(rateCard?: RateCard): ValidationPipe {
  return new LedgerValidationPipe(rateCard);
}
