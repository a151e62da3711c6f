/** What `ledger` exits with: scripts and CI branch on these, so they never change meaning. */
export const ExitCode = {
  ok: 0,
  /** `verify` found read-model rows the log does not explain (or missing ones). */
  mismatch: 1,
  /** Unknown command or option, a bad time or argument, a bad configuration. */
  usage: 2,
  /** The account (or the usage in it), or the organisation, is not in the ledger. */
  notFound: 3,
  /** No event log at the data dir, or EventStoreDB does not answer. */
  storeUnreachable: 4,
  /** Another process is applying events to these read models (a running server): stop it first. */
  busy: 5,
  /** A bug: the message and stack go to stderr. */
  internal: 70,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure: printed as `ledger: <message>` without a stack, then exit with `code`. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly code: ExitCode,
    message: string,
  ) {
    super(message);
  }
}
