import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** Flattens class-validator's tree into one entry per bad field, named by its path (`records.3.quantity`). */
export function fieldErrors(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) out.push({ field, message });
    if (error.children?.length) out.push(...fieldErrors(error.children, field));
  }
  return out;
}

export function invalidRequest(fields: readonly FieldError[]): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: `invalid request: ${[...new Set(fields.map((f) => f.field))].join(', ')}`,
    fields,
  });
}

/**
 * Strict validation: unknown fields refused, no type coercion ("5" is not 5), every bad field named.
 * Nothing reaches a command handler unless this passes, so nothing is appended for a bad request.
 */
export function strictValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) => invalidRequest(fieldErrors(errors)),
  });
}
