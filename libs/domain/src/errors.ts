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
  | {
      readonly code: 'conflict';
      readonly message: string;
      /** A conflict the shell acts on (membership/RULES: member usage), beside the message. */
      readonly reason?: ConflictReason;
      /** reason pool_reservation_short: the overage credits the usage needs from the pool now. */
      readonly requiredCredits?: string;
    };

/**
 * pool_reservation_short: a member usage needs more pool credits than were reserved (or none were);
 * pool_reservation_lapsed: the reservation it carries lapsed; pool_hold_used: another usage used it;
 * not_a_member: the account is not (or no longer) a member of the paying organisation;
 * pool_reservation_closed: ReserveMemberSpend for a holdId already settled, released or expired
 * (the shell takes the next attempt's holdId).
 */
export type ConflictReason =
  | 'pool_reservation_closed'
  | 'pool_reservation_short'
  | 'pool_reservation_lapsed'
  | 'pool_hold_used'
  | 'not_a_member';

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

export function conflictBecause(
  reason: ConflictReason,
  message: string,
  requiredCredits?: string,
): DomainError {
  return requiredCredits === undefined
    ? { code: 'conflict', message, reason }
    : { code: 'conflict', message, reason, requiredCredits };
}
