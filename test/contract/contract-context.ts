import { randomUUID } from 'node:crypto';
import { EventStore, EventToAppend, RecordedEvent } from '@ledger/event-store';

/** What each contract section gets: the store of the running test, and names scoped to that test. */
export interface ContractContext {
  readonly store: EventStore;
  /** A stream name unique to the running test (a real server keeps earlier tests' streams). */
  streamName(name: string): string;
  isOurs(event: RecordedEvent): boolean;
  /** The events of this test's streams: $all also holds other tests' and system events. */
  ours(events: readonly RecordedEvent[]): RecordedEvent[];
}

export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

export function event(
  type: string,
  data: Record<string, unknown> = {},
  metadata?: Record<string, unknown>,
): EventToAppend {
  return { id: randomUUID(), type, data, ...(metadata ? { metadata } : {}) };
}

export function expectStrictlyIncreasing(positions: readonly bigint[]): void {
  for (let i = 1; i < positions.length; i += 1) expect(positions[i] > positions[i - 1]).toBe(true);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
