import {
  BadRequestException,
  UnsupportedMediaTypeException,
  ValidationPipe,
  type ArgumentMetadata,
  type ValidationError,
} from '@nestjs/common';
import { validate, type ValidatorOptions } from 'class-validator';
import { compiledDto } from './compiled-validation';
import { UnsupportedBody } from './json-body';

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

/**
 * Validates a DTO instance: every failed rule, as field errors. Names of the rate card (plans,
 * products, operations) are the decider's to check, after the idempotency check: a retry of a command
 * recorded under an earlier card must replay, not be refused because the card has changed since.
 */
export async function validateDto(dto: object): Promise<FieldError[]> {
  return fieldErrors(await validate(dto, STRICT_VALIDATOR_OPTIONS));
}

/**
 * Strict validation: unknown fields refused, no type coercion ("5" is not 5), every bad field named.
 * A DTO marked @CompiledValidation() is first checked by its compiled schema; only what that refuses
 * reaches class-transformer and class-validator (which word the 400).
 * Nothing reaches a command handler unless this passes, so nothing is appended for a bad request;
 * names of the rate card are refused by the decider (listing the card's choices), after idempotency.
 */
class LedgerValidationPipe extends ValidationPipe {
  constructor() {
    super({
      ...STRICT_VALIDATOR_OPTIONS,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      exceptionFactory: (errors: ValidationError[]) => invalidRequest(fieldErrors(errors)),
    });
  }

  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (value instanceof UnsupportedBody) throw new UnsupportedMediaTypeException(value.message);
    // A custom decorator's value is not validated (validateCustomDecorators is off): nor compiled.
    if (metadata.type !== 'custom' && metadata.metatype !== undefined) {
      const dto = compiledDto(metadata.metatype as new () => object, value);
      if (dto !== undefined) return Promise.resolve(dto);
    }
    return super.transform(value, metadata);
  }
}

export function strictValidationPipe(): ValidationPipe {
  return new LedgerValidationPipe();
}
