import * as http from 'node:http';

/** One answer, body parsed when it is JSON (kept raw otherwise: a non-JSON error body is itself a finding). */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly raw: string;
  readonly json: unknown;
}

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  /** Sent as is, bypassing JSON.stringify (malformed JSON, oversized bodies). */
  readonly rawBody?: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/** The ledger's keys in these tests: one per role, as LEDGER_API_KEYS lists them. */
export const RELIABILITY_KEYS = {
  service: 'rel-service-key',
  admin: 'rel-admin-key',
  finance: 'rel-finance-key',
  support: 'rel-support-key',
} as const;
export type RoleName = keyof typeof RELIABILITY_KEYS;

export function apiKeysEnv(): string {
  return Object.entries(RELIABILITY_KEYS)
    .map(([role, key]) => `${role}:${key}`)
    .join(',');
}

/**
 * A small keep-alive JSON client on node:http, no retries of its own: a test decides what a retry
 * is. Every call is bounded by a timeout, and a connection error rejects (the caller knows whether
 * it was killing the server at the time).
 */
export class LedgerHttpClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    readonly port: number,
    private readonly defaultTimeoutMs = 15_000,
  ) {}

  as(role: RoleName | null): (request: HttpRequest) => Promise<HttpAnswer> {
    const auth: Record<string, string> =
      role === null ? {} : { authorization: `Bearer ${RELIABILITY_KEYS[role]}` };
    return (request) => this.send({ ...request, headers: { ...auth, ...request.headers } });
  }

  send(request: HttpRequest): Promise<HttpAnswer> {
    const payload =
      request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
    const headers: Record<string, string | number> = { ...request.headers };
    if (payload !== undefined) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: request.method,
          path: request.path,
          headers,
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const raw = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, json: parseJson(raw) });
          });
        },
      );
      req.setTimeout(request.timeoutMs ?? this.defaultTimeoutMs, () =>
        req.destroy(new Error(`timeout: ${request.method} ${request.path}`)),
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** The log's head position as the server reports it. */
  async position(): Promise<bigint> {
    const answer = await this.send({ method: 'GET', path: '/health' });
    if (answer.status !== 200) throw new Error(`/health answered ${answer.status}: ${answer.raw}`);
    return BigInt((answer.json as { position: string }).position);
  }

  close(): void {
    this.agent.destroy();
  }
}

function parseJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}
