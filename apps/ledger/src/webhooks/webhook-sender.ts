import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isPrivateAddress, webhookUrlProblem } from './webhook-target';

export interface SendResult {
  /** The receiver's status code, or null when it gave none (refused, timed out, target not allowed). */
  readonly statusCode: number | null;
  readonly error: string | null;
}

/** What is read of a receiver's answer: its status; the body is drained, at most this much kept. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * The address the connection goes to is checked after name resolution, in the socket's own lookup,
 * so a name cannot resolve to a public address for a check and to a private one for the connection
 * (DNS rebinding). A literal address in the url is checked before.
 */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const list = Array.isArray(addresses) ? addresses : [];
      const blocked = allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (blocked !== undefined)
        return callback(
          Object.assign(
            new Error(`${hostname} resolves to a private or loopback address (${blocked.address})`),
            { code: 'ETARGETPRIVATE' },
          ),
          '',
          0,
        );
      if (list.length === 0) return callback(new Error(`${hostname} does not resolve`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}

/**
 * One delivery attempt: POST the body with its headers, wait at most `timeoutMs` for the answer.
 * Never throws: every way it can go wrong is a result the delivery log records.
 */
export function sendWebhook(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  options: { readonly timeoutMs: number; readonly allowPrivate: boolean; readonly signal?: AbortSignal },
): Promise<SendResult> {
  const problem = webhookUrlProblem(url, options.allowPrivate);
  if (problem !== null) return Promise.resolve({ statusCode: null, error: `target refused: url ${problem}` });
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const settle = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'credits-ledger-webhooks/1',
        },
        agent: false,
        signal: options.signal,
        ...(isIP(target.hostname.replace(/^\[|\]$/g, '')) === 0
          ? { lookup: guardedLookup(options.allowPrivate) }
          : {}),
      },
      (response) => {
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          kept += chunk.length;
          if (kept > MAX_ANSWER_BYTES) response.destroy();
        });
        response.on('end', () => settle({ statusCode: response.statusCode ?? null, error: null }));
        response.on('close', () => settle({ statusCode: response.statusCode ?? null, error: null }));
        response.on('error', () => settle({ statusCode: response.statusCode ?? null, error: null }));
      },
    );
    const timer = setTimeout(() => {
      settle({ statusCode: null, error: `no answer within ${options.timeoutMs} ms` });
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) =>
      settle({
        statusCode: null,
        error:
          error.code === 'ETARGETPRIVATE'
            ? `target refused: ${error.message}`
            : `${error.code ?? 'error'}: ${error.message}`.slice(0, 500),
      }),
    );
    request.end(body);
  });
}
