import type { EventStore } from '@ledger/event-store';
import type { Histogram } from 'prom-client';

/**
 * The store as the command handlers see it, with every append timed into `ledger_append_duration_seconds`
 * (successful or not: a slow refusal is slow too). Everything else goes to the store untouched.
 */
export function withTimedAppends(store: EventStore, histogram: Histogram): EventStore {
  const appendToStream: EventStore['appendToStream'] = async (...args) => {
    const stop = histogram.startTimer();
    try {
      return await store.appendToStream(...args);
    } finally {
      stop();
    }
  };
  return new Proxy(store, {
    get: (target, property, receiver) =>
      property === 'appendToStream'
        ? appendToStream
        : bindMethod(Reflect.get(target, property, receiver), target),
  });
}

function bindMethod(value: unknown, target: EventStore): unknown {
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}
