/** What the bench asks of the load-generator process, and what it answers (plain JSON over IPC). */

export type LoadScenario =
  /** `POST /v1/usage`, a new usageId per request, accounts spread by a hash of the request number. */
  | { readonly kind: 'usage'; readonly accounts: number; readonly runTag: string }
  /** `POST /v1/usage/batch` with `recordsPerRequest` new records per request. */
  | {
      readonly kind: 'batch';
      readonly accounts: number;
      readonly runTag: string;
      readonly recordsPerRequest: number;
    }
  /** `GET /v1/accounts/{id}/entitlements?product=codex&operation=local_message&quantity=1`. */
  | { readonly kind: 'entitlement'; readonly accounts: number }
  /**
   * A cycle of three requests on each connection, all for one account: a plain `POST /v1/usage`
   * (the reference, measured under the very same load), then `POST /v1/holds` and
   * `POST /v1/holds/{holdId}/settlement` of that hold (a pair: place, then settle).
   */
  | { readonly kind: 'holds'; readonly accounts: number; readonly runTag: string }
  /**
   * `POST /v1/usage` of `${prefix}-<i>` (i < accounts, spread like usage), token lines only (no
   * allowance: every one is paid with credits). Prefix `member`: members of one organisation, so
   * every usage reserves on and settles to the pool's one stream (issue 18); `solo`: the same usage
   * by accounts paying from their own credits (the floor beside it).
   */
  | { readonly kind: 'members'; readonly accounts: number; readonly prefix: string; readonly runTag: string };

export interface LoadJob {
  readonly url: string;
  readonly apiKey: string;
  readonly scenario: LoadScenario;
  readonly connections: number;
  /** Seconds of load; ignored when `amount` is set. */
  readonly durationS?: number;
  /** Exact number of requests, then stop. */
  readonly amount?: number;
  /**
   * Requests per second, evenly spaced (open loop, latency from each request's due time, at most
   * `connections` in flight); unset: closed loop on autocannon, as fast as the server answers.
   */
  readonly overallRate?: number;
}

export interface LoadResult {
  /** Responses received, any status. */
  readonly responses: number;
  /** Responses with a 2xx status. */
  readonly ok: number;
  readonly statusCounts: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly timeouts: number;
  /** Wall time of the run. */
  readonly durationS: number;
  /** CPU the load generator itself used during the run (user + system), in ms. */
  readonly cpuMs: number;
  /** From each 2xx response's own time (autocannon's histogram keeps whole milliseconds only). */
  readonly latencyMs: LatencyMs;
  /**
   * Per step of a cycle (the holds scenario: `usage`, `place`, `settle`, and `pair` = place +
   * settle of one hold, the two round trips one after the other on one connection): 2xx count and
   * latencies. Absent for one-request scenarios.
   */
  readonly steps?: Readonly<Record<string, { readonly ok: number; readonly latencyMs: LatencyMs }>>;
}

export interface LatencyMs {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export type LoadReply =
  { readonly ok: true; readonly result: LoadResult } | { readonly ok: false; readonly error: string };
