import type { HttpAnswer, HttpRequest } from './http-client';
import type { LedgerServer } from './server-process';

/** A command sent under load: what was asked, and the answer if one came back before the kill. */
export interface SentCommand {
  readonly accountId: string;
  readonly request: HttpRequest;
  readonly role: 'service' | 'admin';
  readonly usageId?: string;
  answer?: HttpAnswer;
}

/** Acknowledged = the client got a definite answer the contract calls a success or a recorded rejection. */
export function isAcknowledged(command: SentCommand): boolean {
  return command.answer !== undefined && [200, 201, 402].includes(command.answer.status);
}

/**
 * Sends commands from `clients` loops until `stop()` resolves (the kill), never retrying: a request
 * cut by the kill stays unanswered and is retried by the caller after the restart.
 */
export async function loadUntil(
  servers: readonly LedgerServer[],
  accounts: readonly string[],
  random: () => number,
  clients: number,
  ids: { next: number },
  stop: Promise<void>,
): Promise<SentCommand[]> {
  const sent: SentCommand[] = [];
  let stopped = false;
  void stop.then(() => (stopped = true));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (!stopped) {
        const command = nextCommand(pick(accounts), random, ids);
        sent.push(command);
        try {
          command.answer = await pick(servers).client.as(command.role)(command.request);
        } catch {
          return; // the server died under this request: unacknowledged, by definition
        }
      }
    }),
  );
  return sent;
}

function nextCommand(accountId: string, random: () => number, ids: { next: number }): SentCommand {
  const n = ids.next++;
  const r = random();
  if (r < 0.85) {
    const cloud = random() < 0.3;
    const usageId = `k-${n}`;
    const body = {
      usageId,
      accountId,
      product: 'codex',
      operation: cloud ? 'cloud_task' : 'local_message',
      quantity: 1 + Math.floor(random() * 5),
    };
    return { accountId, usageId, role: 'service', request: { method: 'POST', path: '/v1/usage', body } };
  }
  if (r < 0.95) {
    const body = {
      purchaseId: `kp-${n}`,
      credits: '12.345678',
      amountPaid: { amountMinor: 1234, currency: 'EUR' },
    };
    const path = `/v1/accounts/${accountId}/credits/purchases`;
    return { accountId, role: 'service', request: { method: 'POST', path, body } };
  }
  const body = {
    grantId: `kg-${n}`,
    credits: '3',
    reason: 'kill test',
    priority: Math.floor(random() * 1000),
  };
  return {
    accountId,
    role: 'admin',
    request: { method: 'POST', path: `/v1/accounts/${accountId}/credits/grants`, body },
  };
}
