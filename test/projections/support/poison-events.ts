import { accountStreamName } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import type { LedgerSimulation } from './ledger-simulation';
import { randomUUID } from 'node:crypto';

/** Year 10000 in UTC: what `9999-12-31T23:59:59-01:00` used to be stored as, and no projection can read back. */
export const YEAR_10000 = '+010000-01-01T00:59:59.000Z';

/**
 * Writes straight to the log (the door refuses such input now) a copy of the account's last
 * CreditsPurchased with another purchase id and `changes` applied: a poison event for the read side.
 * Returns its position.
 */
export async function appendPoisonPurchase(
  store: EventStore,
  accountId: string,
  changes: Record<string, unknown> = { expiresAt: YEAR_10000 },
): Promise<bigint> {
  const stream = accountStreamName(accountId);
  const events = await store.readStream(stream);
  const template = [...events].reverse().find((e) => e.type === 'CreditsPurchased');
  if (template === undefined) throw new Error(`${accountId} has no CreditsPurchased to copy`);
  const data = {
    ...(template.data as Record<string, unknown>),
    purchaseId: `poison-${randomUUID()}`,
    ...changes,
  };
  const result = await store.appendToStream(
    stream,
    [{ id: randomUUID(), type: 'CreditsPurchased', data, metadata: template.metadata }],
    { expectedRevision: events[events.length - 1].revision },
  );
  return result.position;
}

/** The simulation's decider state does not know the poison (written past it): count it in the stream's version. */
export function countPoisonIn(ledger: LedgerSimulation, accountId: string): void {
  const state = ledger.states.get(accountId);
  if (state === undefined) throw new Error(`${accountId} is not open in the simulation`);
  ledger.states.set(accountId, { ...state, version: state.version + 1 });
}
