import type { HttpAnswer } from './http-client';
import type { LedgerServer } from './server-process';

export interface AnsweredRequest {
  readonly accountId: string;
  /** Set for usage requests: the answer must match the log's decision for this id. */
  readonly usageId?: string;
  readonly answer: HttpAnswer;
}

export interface ContentionRun {
  readonly answers: AnsweredRequest[];
  readonly retries: number;
  readonly duplicates: number;
  /** Retries whose body differs from the first answer's (API.md: "same body as the first time"). */
  readonly bodyMismatches: number;
}

type Sent = {
  readonly accountId: string;
  readonly body: Record<string, unknown>;
  readonly first: HttpAnswer;
};

/**
 * `clients` loops share `totalOps` operations on a few hot accounts: fresh usages (allowance
 * first, then scarce credits, so rejections happen), retries sent to another server, the same
 * usage sent to two servers at once, purchases and promotional grants racing the usages.
 */
export async function runContentionClients(
  servers: readonly LedgerServer[],
  accounts: readonly string[],
  random: () => number,
  totalOps: number,
  clients: number,
): Promise<ContentionRun> {
  const answers: AnsweredRequest[] = [];
  const sent: Sent[] = [];
  let retries = 0;
  let duplicates = 0;
  let bodyMismatches = 0;
  let next = 0;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const usage = (accountId: string): Record<string, unknown> => {
    const cloud = random() < 0.3;
    return {
      usageId: `u-${next++}`,
      accountId,
      product: 'codex',
      operation: cloud ? 'cloud_task' : 'local_message',
      quantity: 1 + Math.floor(random() * (cloud ? 3 : 6)),
    };
  };
  const post = (server: LedgerServer, body: Record<string, unknown>) =>
    server.client.as('service')({ method: 'POST', path: '/v1/usage', body });

  async function step(): Promise<void> {
    const r = random();
    const accountId = pick(accounts);
    if (r < 0.55 || sent.length === 0) {
      const body = usage(accountId);
      const first = await post(pick(servers), body);
      answers.push({ accountId, usageId: body.usageId as string, answer: first });
      sent.push({ accountId, body, first });
    } else if (r < 0.72) {
      const original = pick(sent);
      const answer = await post(pick(servers), original.body);
      retries += 1;
      if (answer.raw !== original.first.raw) bodyMismatches += 1;
      answers.push({ accountId: original.accountId, usageId: original.body.usageId as string, answer });
    } else if (r < 0.85) {
      const body = usage(accountId);
      const [a, b] = [pick(servers), pick(servers)];
      const both = await Promise.all([post(a, body), post(b, body)]);
      duplicates += 1;
      if (both[0].raw !== both[1].raw) bodyMismatches += 1;
      for (const answer of both) answers.push({ accountId, usageId: body.usageId as string, answer });
      sent.push({ accountId, body, first: both[0] });
    } else if (r < 0.95) {
      const purchaseId = `p-${next++}`;
      const body = { purchaseId, credits: '15', amountPaid: { amountMinor: 1500, currency: 'USD' } };
      const path = `/v1/accounts/${accountId}/credits/purchases`;
      // The purchase is sent twice, to two servers: a retried payment must credit once.
      for (const server of [pick(servers), pick(servers)]) {
        answers.push({
          accountId,
          answer: await server.client.as('service')({ method: 'POST', path, body }),
        });
      }
    } else {
      const body = {
        grantId: `g-${next++}`,
        credits: '7.5',
        reason: 'contention',
        priority: Math.floor(random() * 200),
      };
      const path = `/v1/accounts/${accountId}/credits/grants`;
      answers.push({
        accountId,
        answer: await pick(servers).client.as('admin')({ method: 'POST', path, body }),
      });
    }
  }

  let remaining = totalOps;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (remaining > 0) {
        remaining -= 1;
        await step();
      }
    }),
  );
  return { answers, retries, duplicates, bodyMismatches };
}

/** The part of a usage answer that states the decision: outcome, reason, what was charged. */
export function outcomeOf(json: unknown): unknown {
  const body = json as { outcome?: string; reason?: string; charged?: unknown } | undefined;
  return body?.outcome === 'rejected'
    ? { outcome: 'rejected', reason: body.reason, charged: body.charged }
    : { outcome: body?.outcome, charged: body?.charged };
}
