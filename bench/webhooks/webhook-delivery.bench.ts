import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalWebhookReceiver } from '../../apps/ledger/src/webhooks/receiver/local-webhook-receiver';
import type { Figure } from '../bench-report';
import { compiledOrSource } from '../http/ledger-server';
import { sampleCpu } from '../http/cpu-usage';
import { startServerProcess, type RunningServer } from '../http/server-process';
import { postFloorPerSecond } from './post-floor';

export interface WebhookBenchSizes {
  readonly accounts: number;
  /** Notifications appended as fast as the client can for the throughput figure. */
  readonly burst: number;
  /** Requests in flight while appending the burst. */
  readonly appendConcurrency: number;
  /** The paced run for the lag figure: notifications per second, for this many seconds. */
  readonly pacedPerSecond: number;
  readonly pacedSeconds: number;
}

export const WEBHOOK_QUICK: WebhookBenchSizes = {
  accounts: 200,
  burst: 2_000,
  appendConcurrency: 16,
  pacedPerSecond: 50,
  pacedSeconds: 5,
};

/** Not run yet (only `--quick` was, on a loaded machine): sized so a dispatcher at ~65/s still drains it in time. */
export const WEBHOOK_FULL: WebhookBenchSizes = {
  accounts: 1_000,
  burst: 5_000,
  appendConcurrency: 16,
  pacedPerSecond: 50,
  pacedSeconds: 15,
};

const SERVICE_KEY = 'bench-service-key';
const ADMIN_KEY = 'bench-admin-key';
/** A bound on each drain: a minute plus 20 ms a notification; a dispatcher slower than that fails the run. */
const drainTimeoutMs = (notifications: number) => 60_000 + 20 * notifications;
/** The dispatcher's accounts sent to at once (CONCURRENT_LANES in webhook-dispatcher.ts): the floor's concurrency. */
const DISPATCHER_LANES = 8;

/**
 * The dispatcher's settings for the run (apps/ledger/src/webhooks/README.md): the loopback receiver
 * allowed; the poll interval as deployed (default 1000 ms) unless `BENCH_WEBHOOK_POLL_MS` says
 * otherwise — an idle dispatcher looks for work that often, so it bounds the lag from below.
 */
function webhookBenchEnv(): Record<string, string> {
  const poll = process.env.BENCH_WEBHOOK_POLL_MS;
  return { LEDGER_WEBHOOK_ALLOW_PRIVATE: 'true', ...(poll ? { LEDGER_WEBHOOK_POLL_MS: poll } : {}) };
}

/**
 * `webhook_deliveries_per_s` and the lag of a delivery (the append of the notification's event
 * answered → the receiver has the POST), with the real server in its own process (system clock,
 * embedded SQLite) and a `node:http` receiver in this one; beside them the floor: the same bodies
 * POSTed to the same receiver by plain `node:http` in the same run. Every notification is one
 * `credits.depleted` (a usage refused for lack of credits: one event, one notification).
 * Checked, not just timed: each one arrives, signed, none lost.
 */
export async function benchWebhookDelivery(root: string, sizes: WebhookBenchSizes): Promise<Figure[]> {
  const receiver = await LocalWebhookReceiver.start();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-webhook-bench-'));
  let server: RunningServer | undefined;
  try {
    server = await startServerProcess(
      compiledOrSource(root, path.join('apps', 'ledger', 'src', 'main')),
      {
        ...inheritedEnv(),
        LEDGER_DATA_DIR: dataDir,
        LEDGER_API_KEYS: `service:${SERVICE_KEY},admin:${ADMIN_KEY}`,
        LOG_LEVEL: 'warn',
        ...webhookBenchEnv(),
      },
      root,
    );
    const api = ledgerApi(server.url);
    const hook = (await api('POST', '/v1/webhooks', ADMIN_KEY, {
      url: receiver.url,
      kinds: ['credits.depleted'],
    })) as { secret: string };
    receiver.useSecret(hook.secret);
    const accounts = Array.from({ length: sizes.accounts }, (_, i) => `wh-bench-${i}`);
    await inParallel(accounts, 16, (accountId) =>
      api('POST', '/v1/accounts', SERVICE_KEY, { accountId, plan: 'plus' }),
    );

    const appendedAt = new Map<string, number>();
    let usageNo = 0;
    const refuse = async (accountId: string) => {
      usageNo += 1;
      const body = (await api('POST', '/v1/usage', SERVICE_KEY, {
        usageId: `wh-u-${usageNo}`,
        accountId,
        product: 'codex',
        operation: 'gpt-5.5:output_tokens',
        quantity: 1_000,
      })) as { outcome: string; position: string };
      if (body.outcome !== 'rejected') throw new Error(`expected a refusal, got ${JSON.stringify(body)}`);
      appendedAt.set(`${accountId}@${body.position}`, wallNow());
    };
    const lagsOf = (from: number) =>
      receiver
        .deliveredRequests()
        .slice(from)
        .map(
          (r) =>
            r.receivedAtMs -
            (appendedAt.get(`${r.notification?.accountId}@${r.notification?.position}`) ?? NaN),
        );

    // Throughput: a burst appended as fast as the client can; the dispatcher drains the backlog.
    const burst = Array.from({ length: sizes.burst }, (_, i) => accounts[i % accounts.length]);
    await inParallel(burst, sizes.appendConcurrency, refuse);
    // From here to the last delivery the server only dispatches (and its read side catches up).
    const drainFrom = { cpu: sampleCpu(server.pid), delivered: receiver.delivered().length, at: wallNow() };
    await receiver.waitUntil(
      () => receiver.delivered().length >= sizes.burst,
      `${sizes.burst} deliveries`,
      drainTimeoutMs(sizes.burst),
    );
    const burstRequests = receiver.deliveredRequests().slice(0, sizes.burst);
    const drainS =
      (burstRequests[burstRequests.length - 1].receivedAtMs - burstRequests[0].receivedAtMs) / 1000;
    const deliveriesPerS = (sizes.burst - 1) / drainS;
    const drainTo = { cpu: sampleCpu(server.pid), at: wallNow() };
    const drained = sizes.burst - drainFrom.delivered;
    const cpu =
      drainFrom.cpu === undefined || drainTo.cpu === undefined
        ? undefined
        : {
            mainUs: ((drainTo.cpu.mainMs - drainFrom.cpu.mainMs) * 1000) / drained,
            otherUs: ((drainTo.cpu.otherMs - drainFrom.cpu.otherMs) * 1000) / drained,
            mainShare: (drainTo.cpu.mainMs - drainFrom.cpu.mainMs) / (drainTo.at - drainFrom.at),
          };

    // Lag: a paced run well under the drain rate, so the lag is the dispatcher's, not a queue's.
    const pacedFrom = receiver.delivered().length;
    const paced = sizes.pacedPerSecond * sizes.pacedSeconds;
    const start = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < paced; i += 1) {
      const due = start + (i * 1000) / sizes.pacedPerSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      pending.push(refuse(accounts[i % accounts.length]));
    }
    await Promise.all(pending);
    await receiver.waitUntil(
      () => receiver.delivered().length >= pacedFrom + paced,
      `${paced} paced deliveries`,
      drainTimeoutMs(paced),
    );
    const lags = lagsOf(pacedFrom).sort((a, b) => a - b);

    checkEverythingArrived(receiver, appendedAt);
    const bodies = burstRequests.map((r) => r.rawBody);
    const reused = await postFloorPerSecond(receiver.url, hook.secret, bodies, {
      concurrency: DISPATCHER_LANES,
      keepAlive: true,
    });
    const fresh = await postFloorPerSecond(receiver.url, hook.secret, bodies, {
      concurrency: DISPATCHER_LANES,
      keepAlive: false,
    });
    if (reused.failures + fresh.failures > 0)
      throw new Error(`the floor's POSTs failed ${reused.failures + fresh.failures} times`);
    const note = `${sizes.accounts} accounts, ${sizes.burst} credits.depleted appended by ${sizes.appendConcurrency} clients, then drained`;
    const pollMs = process.env.BENCH_WEBHOOK_POLL_MS ?? '1000';
    const lagNote = `${paced} paced at ${sizes.pacedPerSecond}/s, dispatcher poll ${pollMs} ms: append answered → receiver has the POST`;
    const floorNote = `the same ${sizes.burst} bodies, signed, plain node:http, ${DISPATCHER_LANES} in flight, same receiver`;
    return [
      { name: 'webhook_deliveries_per_s', value: deliveriesPerS, unit: 'deliveries/s', note },
      { name: 'webhook_lag_p50_ms', value: quantile(lags, 0.5), unit: 'ms', note: lagNote },
      { name: 'webhook_lag_p99_ms', value: quantile(lags, 0.99), unit: 'ms', note: lagNote },
      ...(cpu === undefined
        ? []
        : [
            {
              name: 'webhook_delivery_server_cpu_us',
              value: cpu.mainUs + cpu.otherUs,
              unit: 'µs',
              note: `server CPU per delivery while only draining (${drained} deliveries): request thread ${Math.round(cpu.mainUs)} µs, other threads ${Math.round(cpu.otherUs)} µs; request thread busy ${Math.round(cpu.mainShare * 100)}% of the drain`,
            },
          ]),
      {
        name: 'floor_webhook_post_per_s',
        value: reused.perSecond,
        unit: 'POST/s',
        note: `${floorNote}, keep-alive`,
      },
      {
        name: 'floor_webhook_post_new_connection_per_s',
        value: fresh.perSecond,
        unit: 'POST/s',
        note: `${floorNote}, a connection per POST (as the dispatcher sends)`,
      },
      {
        name: 'webhook_deliveries_vs_post_floor',
        value: deliveriesPerS / reused.perSecond,
        unit: 'ratio',
        note: 'webhook_deliveries_per_s / floor_webhook_post_per_s, same run',
      },
    ];
  } finally {
    await server?.stop();
    await receiver.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Every appended notification delivered once at least, verified; none that was not appended. */
function checkEverythingArrived(
  receiver: LocalWebhookReceiver,
  appendedAt: ReadonlyMap<string, number>,
): void {
  const seen = new Set<string>();
  for (const request of receiver.deliveredRequests()) {
    if (request.signature?.valid !== true) throw new Error(`an unverified delivery: ${request.rawBody}`);
    const key = `${request.notification?.accountId}@${request.notification?.position}`;
    if (!appendedAt.has(key)) throw new Error(`a delivery of nothing appended: ${request.rawBody}`);
    seen.add(key);
  }
  if (seen.size !== appendedAt.size)
    throw new Error(`${appendedAt.size - seen.size} notifications never arrived`);
}

function inheritedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    'EVENTSTORE_CONNECTION_STRING',
    'LEDGER_CLOCK',
    'LEDGER_CLOCK_START',
    'LEDGER_RATE_CARD',
  ])
    delete env[name];
  return env;
}

function ledgerApi(baseUrl: string) {
  return async (method: string, route: string, key: string, body: unknown): Promise<unknown> => {
    const response = await fetch(`${baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status >= 500 || (response.status >= 400 && response.status !== 402))
      throw new Error(`${method} ${route} answered ${response.status}: ${text}`);
    return JSON.parse(text) as unknown;
  };
}

async function inParallel<T>(
  items: readonly T[],
  width: number,
  run: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0 || sorted.some((v) => !Number.isFinite(v))) throw new Error('no lag measured');
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
