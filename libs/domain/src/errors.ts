/**
 * Domain errors are values. The HTTP layer maps `code` to a status in one place:
 * invalid → 400, not_found → 404, conflict → 409.
 */
export interface FieldFault {
  readonly field: string;
  readonly message: string;
}

export type DomainError =
  | { readonly code: 'invalid'; readonly fields: readonly FieldFault[] }
  | { readonly code: 'not_found'; readonly message: string }
  | { readonly code: 'conflict'; readonly message: string };

export type DomainErrorCode = DomainError['code'];

export function invalid(fields: readonly FieldFault[]): DomainError {
  return { code: 'invalid', fields };
}

export function notFound(message: string): DomainError {
  return { code: 'not_found', message };
}

export function conflict(message: string): DomainError {
  return { code: 'conflict', message };
}
