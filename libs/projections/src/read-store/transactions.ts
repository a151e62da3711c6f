import type { ReadModelDatabase } from './read-model-database';

/** A function run in a transaction (BEGIN IMMEDIATE at the top level) or, nested, in a savepoint. */
export interface Transactions {
  /** BEGIN IMMEDIATE … COMMIT: the write lock first, so a reader never has to turn writer. */
  immediate<T>(work: () => T): T;
  /** In a savepoint inside the transaction in progress (BEGIN … COMMIT outside one). */
  savepoint<T>(work: () => T): T;
}

const byDatabase = new WeakMap<ReadModelDatabase, Transactions>();

/**
 * The database's transaction wrappers, made once: better-sqlite3's `db.transaction(fn)` builds four
 * wrapper functions and their properties on every call (≈ 20 µs measured under load), which a live
 * batch of a few events paid five times over; these take the work as an argument instead.
 */
export function transactionsOf(db: ReadModelDatabase): Transactions {
  let transactions = byDatabase.get(db);
  if (transactions === undefined) {
    const run = db.transaction((work: () => unknown) => work());
    transactions = {
      immediate: <T>(work: () => T) => run.immediate(work) as T,
      savepoint: <T>(work: () => T) => run(work) as T,
    };
    byDatabase.set(db, transactions);
  }
  return transactions;
}
