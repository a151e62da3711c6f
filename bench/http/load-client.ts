import { fork } from 'node:child_process';
import * as path from 'node:path';
import { cpuPerUnit, sampleCpu } from './cpu-usage';
import type { LoadJob, LoadReply, LoadResult } from './load-job';

/** Beyond the job's own length: process start, a slow drain of in-flight requests. */
const GRACE_MS = 60_000;

/** Runs one job in a fresh load-generator process and waits (bounded) for its figures. */
export function runLoad(job: LoadJob): Promise<LoadResult> {
  // Same extension as this file: .js when compiled, .ts under the register-ts hook (inherited execArgv).
  const entry = path.join(__dirname, `load-generator${path.extname(__filename)}`);
  const child = fork(entry, [], { stdio: ['ignore', 2, 2, 'ipc'] });
  const limitMs = (job.durationS ?? 0) * 1000 + (job.amount ?? 0) + GRACE_MS;
  return new Promise<LoadResult>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(() => reject(new Error(`load generator did not answer within ${limitMs} ms`)));
    }, limitMs);
    child.once('message', (reply: LoadReply) =>
      finish(() => (reply.ok ? resolve(reply.result) : reject(new Error(reply.error)))),
    );
    child.once('exit', (code) =>
      finish(() => reject(new Error(`load generator exited with code ${code} before answering`))),
    );
    child.send(job);
  });
}

/** A load run's figures and where the CPU went during it (server threads, load generator). */
export interface MeasuredLoad {
  readonly result: LoadResult;
  /** CPU per unit, for the figure's note. */
  readonly cpu: string;
  /** Server CPU per unit (all threads, request thread), in µs; undefined where there is no /proc. */
  readonly serverUs?: number;
  readonly requestThreadUs?: number;
}

/**
 * Runs one job against the server of process `pid`, refusing a run with any non-2xx answer, and
 * samples the server's CPU around it: on two cores, CPU per request is what bounds throughput.
 */
export async function runMeasuredLoad(
  label: string,
  pid: number,
  job: LoadJob,
  unitsPerRequest = 1,
): Promise<MeasuredLoad> {
  const before = sampleCpu(pid);
  const result = allOk(label, await runLoad(job));
  const after = sampleCpu(pid);
  const units = result.ok * unitsPerRequest;
  const cpu = cpuPerUnit(before, after, units, result.cpuMs);
  if (before === undefined || after === undefined) return { result, cpu };
  const us = (ms: number) => Math.round((ms * 1000) / units);
  return {
    result,
    cpu,
    serverUs: us(after.mainMs - before.mainMs + after.otherMs - before.otherMs),
    requestThreadUs: us(after.mainMs - before.mainMs),
  };
}

/** A figure from a run with failures would flatter the server: refuse it, saying what came back. */
export function allOk(label: string, result: LoadResult): LoadResult {
  if (result.responses === 0 || result.ok !== result.responses || result.errors > 0) {
    throw new Error(
      `http bench ${label}: ${result.ok}/${result.responses} responses 2xx, ${result.errors} errors (${result.timeouts} timeouts), statuses ${JSON.stringify(result.statusCounts)}`,
    );
  }
  return result;
}

/**
 * Opens accounts `acct-0` … `acct-{count-1}` with a bounded number in flight, checking each answer:
 * a run against accounts that failed to open would measure 404s.
 */
export async function openAccounts(url: string, apiKey: string, count: number, inFlight = 32): Promise<void> {
  let next = 0;
  const openOne = async (i: number) => {
    const response = await fetch(`${url}/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ accountId: `acct-${i}`, plan: 'pro' }),
      signal: AbortSignal.timeout(30_000),
    });
    if (response.status !== 201 && response.status !== 200) {
      throw new Error(`opening acct-${i} answered ${response.status}: ${await response.text()}`);
    }
    await response.arrayBuffer();
  };
  const worker = async () => {
    while (next < count) await openOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
}

/**
 * A batch answers 200 whatever its items' fates, so the load run cannot tell accepted records from
 * refused ones: one small batch of the same shape, checked item by item, first.
 */
export async function probeBatch(url: string, apiKey: string, accounts: number): Promise<void> {
  const records = [0, 1].map((i) => ({
    usageId: `probe-${i}`,
    accountId: `acct-${i % accounts}`,
    product: 'codex',
    operation: 'local_message',
    quantity: 1,
  }));
  const response = await fetch(`${url}/v1/usage/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ records }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const statuses = response.ok
    ? (JSON.parse(text) as { results: { status: number }[] }).results.map((r) => r.status)
    : [];
  if (statuses.length !== records.length || statuses.some((s) => s !== 201)) {
    throw new Error(`probe batch answered ${response.status}: ${text.slice(0, 500)}`);
  }
}

/**
 * Waits until the read models have applied the whole log as it is now (a GET with ?minPosition= of
 * the head answers 503 after 5 s while they are behind), and returns how long that took: the next
 * scenario then measures the server serving, not the server catching up with the last one's backlog.
 */
export async function waitForReadModels(url: string, apiKey: string, timeoutMs = 300_000): Promise<number> {
  const started = Date.now();
  const health = (await (await fetch(`${url}/health`)).json()) as { position: string };
  for (;;) {
    const response = await fetch(`${url}/v1/accounts/acct-0?minPosition=${health.position}`, {
      headers: { authorization: `Bearer ${apiKey}` },
      signal: AbortSignal.timeout(30_000),
    });
    await response.arrayBuffer();
    if (response.status === 200) return Date.now() - started;
    if (response.status !== 503) throw new Error(`waiting for the read models: ${response.status}`);
    if (Date.now() - started > timeoutMs) throw new Error(`read models still behind after ${timeoutMs} ms`);
  }
}
