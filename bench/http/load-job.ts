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
  | { readonly kind: 'entitlement'; readonly accounts: number };

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
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

export type LoadReply =
  { readonly ok: true; readonly result: LoadResult } | { readonly ok: false; readonly error: string };
