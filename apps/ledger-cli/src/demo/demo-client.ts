import { DEMO_KEYS, type DemoRole } from './demo-server';

export interface WindowView {
  readonly product: string;
  readonly window: string;
  readonly used: number;
  readonly limit: number;
  readonly resetsAt: string | null;
}

/** The body of a usage answer (API.md "Usage outcome"). */
export interface UsageAnswer {
  readonly outcome: 'accepted' | 'rejected';
  readonly reason: string | null;
  readonly charged: {
    readonly allowanceUnits: number;
    readonly credits: string;
    readonly allocations: readonly { grantId: string; credits: string }[];
  };
  readonly requiredCredits: string | null;
  readonly resetsAt: string | null;
  readonly windows: readonly WindowView[];
  /** `held`: credits set aside by open holds (issue 17), not in `balance`. */
  readonly credits: { readonly balance: string; readonly held?: string };
}

/** One line of a hold or a settlement. */
export interface HoldLine {
  readonly operation: string;
  readonly quantity: number;
}

/** `POST /v1/holds` (API.md "Holds and reversals"): 201 held, or 402 rejected like usage. */
export interface HoldAnswer {
  readonly holdId: string;
  readonly status?: 'held';
  readonly held?: {
    readonly allowanceUnits: number;
    readonly credits: string;
    readonly allocations: readonly { grantId: string; credits: string }[];
  };
  readonly expiresAt?: string;
  readonly outcome?: 'rejected';
  readonly reason?: string;
  readonly requiredCredits?: string;
  readonly resetsAt?: string | null;
  readonly credits: { readonly balance: string; readonly held: string };
}

/** `POST /v1/holds/{holdId}/settlement`: the usage outcome, what went back, what could not be paid. */
export interface SettlementAnswer extends UsageAnswer {
  readonly holdId: string;
  readonly position: string;
  readonly released: { readonly allowanceUnits: number; readonly credits: string };
  readonly uncollected: string;
}

/** `POST /v1/usage/{usageId}/reversals`. */
export interface ReversalAnswer {
  readonly usageId: string;
  readonly reversed: {
    readonly allowanceUnits: number;
    readonly credits: string;
    readonly allocations: readonly { grantId: string; credits: string }[];
  };
}

export interface HttpAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** A thin JSON client of the ledger's HTTP API; any status outside `expected` stops the demo loudly. */
export class DemoClient {
  constructor(private readonly baseUrl: string) {}

  async send<T>(
    role: DemoRole,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body: unknown,
    expected: readonly number[],
  ): Promise<HttpAnswer<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${DEMO_KEYS[role]}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!expected.includes(response.status)) {
      throw new Error(
        `${method} ${path} answered ${response.status}, expected ${expected.join('/')}: ${text}`,
      );
    }
    return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
  }

  /** Moves the simulated clock (admin only; never backwards). */
  async setClock(now: string): Promise<void> {
    await this.send('admin', 'POST', '/v1/admin/clock', { now }, [200]);
  }

  openAccount(accountId: string, plan: string): Promise<HttpAnswer<unknown>> {
    return this.send('service', 'POST', '/v1/accounts', { accountId, plan }, [201]);
  }

  recordUsage(
    usageId: string,
    accountId: string,
    product: string,
    operation: string,
    quantity: number,
  ): Promise<HttpAnswer<UsageAnswer>> {
    const body = { usageId, accountId, product, operation, quantity, surface: 'demo' };
    return this.send('service', 'POST', '/v1/usage', body, [201, 402]);
  }

  placeHold(
    holdId: string,
    accountId: string,
    product: string,
    lines: readonly HoldLine[],
    ttlSeconds: number,
    expected: readonly number[] = [201, 402],
  ): Promise<HttpAnswer<HoldAnswer>> {
    const body = { holdId, accountId, product, lines, ttlSeconds };
    return this.send('service', 'POST', '/v1/holds', body, expected);
  }

  settleHold(
    holdId: string,
    usageId: string,
    lines: readonly HoldLine[],
  ): Promise<HttpAnswer<SettlementAnswer>> {
    const path = `/v1/holds/${encodeURIComponent(holdId)}/settlement`;
    return this.send('service', 'POST', path, { usageId, lines }, [201]);
  }

  reverseUsage(usageId: string, reversalId: string, reason: string): Promise<HttpAnswer<ReversalAnswer>> {
    const path = `/v1/usage/${encodeURIComponent(usageId)}/reversals`;
    return this.send('admin', 'POST', path, { reversalId, reason }, [201]);
  }
}
