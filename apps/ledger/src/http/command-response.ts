import { ConflictException, HttpException, NotFoundException } from '@nestjs/common';
import { isConsequenceEvent, type DomainError } from '@ledger/domain';
import type { FastifyReply } from 'fastify';
import type { CommandOutcome, PositionedEvent } from '../core/command-outcome';
import { invalidRequest } from './validation';

/** The one place domain errors become HTTP statuses: invalid → 400, not_found → 404, conflict → 409. */
export function httpErrorOf(error: DomainError): HttpException {
  switch (error.code) {
    case 'invalid':
      return invalidRequest(error.fields);
    case 'not_found':
      return new NotFoundException(error.message);
    case 'conflict':
      return new ConflictException(error.message);
  }
}

export interface ResponseRules<E, B> {
  /** The body, from the command's events alone, so a replay answers exactly what the first request did. */
  readonly body: (events: readonly PositionedEvent<E>[]) => B;
  /** Status of a fresh outcome (default 201). */
  readonly created?: (body: B) => number;
  /** Status of a replayed outcome (default 200). */
  readonly replayed?: (body: B) => number;
  /** Body of a no-op (same value set again); default: 200 with the position. */
  readonly unchanged?: (position: bigint) => B;
}

/** Turns a command outcome into the response: status, `Idempotent-Replayed` header, body; throws on domain errors. */
export function respond<E, B>(
  reply: FastifyReply,
  outcome: CommandOutcome<E>,
  rules: ResponseRules<E, B>,
): B {
  switch (outcome.kind) {
    case 'error':
      throw httpErrorOf(outcome.error);
    case 'appended': {
      const body = rules.body(outcome.events);
      reply.status(rules.created?.(body) ?? 201);
      return body;
    }
    case 'replayed': {
      const body = rules.body(outcome.events);
      reply.status(rules.replayed?.(body) ?? 200);
      reply.header('Idempotent-Replayed', 'true');
      return body;
    }
    case 'unchanged':
      reply.status(200);
      if (!rules.unchanged) throw new Error('this command has no no-op outcome');
      return rules.unchanged(outcome.position);
  }
}

/**
 * The event that carries the command's own outcome: the last one (lazy expiry write-offs come
 * first), not counting consequences that follow it in the same append (an auto top-up request).
 */
export function lastEvent<E>(events: readonly PositionedEvent<E>[]): PositionedEvent<E> {
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const candidate = events[i];
    if (!isConsequenceEvent(candidate.event as { type: string })) return candidate;
  }
  throw new Error('an outcome without events');
}
