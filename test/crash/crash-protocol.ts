/**
 * What the crash writer (a child process) tells the test, one JSON line per step on stdout.
 * An INTENT is printed before an append, an ACK only after the append resolved (so is durable).
 */
export interface Intent {
  readonly batchId: string;
  readonly stream: string;
  /** A revision as a decimal string, or 'no_stream'. */
  readonly expected: string;
  readonly ids: readonly string[];
}

export interface Ack {
  readonly batchId: string;
  readonly stream: string;
  readonly revision: string;
  readonly position: string;
}

export type CrashLine =
  | { readonly kind: 'open' }
  | { readonly kind: 'ready'; readonly retried: number }
  | { readonly kind: 'intent'; readonly intent: Intent }
  | { readonly kind: 'ack'; readonly ack: Ack }
  | { readonly kind: 'fail'; readonly message: string };

/** Every event of a batch carries this, so the test can tell a whole batch from half of one. */
export interface BatchMark {
  readonly batchId: string;
  readonly batchSize: number;
  readonly index: number;
}
