import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyLedgerSignature, type LedgerSignatureCheck } from './verify-ledger-signature';

/** The body the ledger POSTs (API.md "Alerts, auto top-up, webhooks"). */
export interface LedgerNotification {
  readonly notificationId: string;
  readonly kind: string;
  readonly accountId: string;
  readonly organizationId?: string;
  readonly occurredAt: string;
  readonly position: string;
  readonly data: Record<string, unknown>;
}

/** One POST as it arrived, whatever was answered. */
export interface ReceivedRequest {
  /** 1, 2, …: the order requests arrived in. */
  readonly seq: number;
  /** Wall clock (performance.timeOrigin + now), for lag measurements. */
  readonly receivedAtMs: number;
  readonly signatureHeader: string | undefined;
  readonly rawBody: string;
  /** null when the body is not JSON of the notification's shape. */
  readonly notification: LedgerNotification | null;
  /** null when no secret was set yet. */
  readonly signature: LedgerSignatureCheck | null;
  /** What this receiver answered; null while it holds the request (`hold`). */
  readonly status: number | null;
  /** The sender hung up before the answer (e.g. the ledger stopped while the request was held). */
  readonly senderGone: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface LocalWebhookReceiverOptions {
  /** The ledger's clock (a simulated one in tests), for the signature's tolerance. Default: Date.now. */
  readonly now?: () => number;
  readonly toleranceSeconds?: number;
  /** Bytes of body accepted (default 1 MiB); longer requests are answered 413. */
  readonly maxBodyBytes?: number;
}

type Waiter = { readonly check: () => boolean; readonly resolve: () => void };

/**
 * A real `node:http` receiver on 127.0.0.1 for the ledger's webhooks (e2e tests, the bench, the
 * demo): records every POST, verifies its signature once the secret is known (`useSecret`),
 * answers 2xx unless told otherwise (`answerWith`), can hold requests unanswered (`hold`/`release`),
 * and can stop listening (`goDown`: connections are refused) and come back on the same port. Not a production receiver: it keeps everything in memory.
 */
export class LocalWebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private secret: string | null = null;
  private answer: (notification: LedgerNotification | null) => number = () => 204;
  private listening = false;
  private waiters: Waiter[] = [];
  private holding = false;
  private held: { entry: Mutable<ReceivedRequest>; res: http.ServerResponse }[] = [];

  private readonly server: http.Server;
  private port = 0;
  readonly path = '/hooks/ledger';

  private constructor(private readonly options: LocalWebhookReceiverOptions) {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 1_000;
  }

  static async start(options: LocalWebhookReceiverOptions = {}): Promise<LocalWebhookReceiver> {
    const receiver = new LocalWebhookReceiver(options);
    await listen(receiver.server, 0);
    receiver.port = (receiver.server.address() as AddressInfo).port;
    receiver.listening = true;
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}${this.path}`;
  }

  useSecret(secret: string): void {
    this.secret = secret;
  }

  /** What to answer from now on: a status, or a function of the notification (e.g. 500 for one account). */
  answerWith(status: number | ((notification: LedgerNotification | null) => number)): void {
    this.answer = typeof status === 'number' ? () => status : status;
  }

  /** From now on, requests are recorded but not answered until `release` (a slow receiver, an in-flight delivery). */
  hold(): void {
    this.holding = true;
  }

  /** Answers every held request (with `status`, or as `answerWith` says) and stops holding. */
  release(status?: number): void {
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const { entry, res } of held) this.respond(entry, res, status ?? this.answer(entry.notification));
  }

  /** Requests received and not answered yet. */
  inFlight(): ReceivedRequest[] {
    return this.requests.filter((r) => r.status === null);
  }

  /** Stops listening and drops open connections: the ledger's next attempt gets connection refused. */
  async goDown(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Listens again on the same port (so the registered url is still right). */
  async comeBack(): Promise<void> {
    if (this.listening) return;
    await listen(this.server, this.port);
    this.listening = true;
  }

  /** The requests answered 2xx (to a sender still there), in arrival order, duplicates included. */
  deliveredRequests(): ReceivedRequest[] {
    return this.requests.filter(
      (r) =>
        r.status !== null && r.status >= 200 && r.status < 300 && !r.senderGone && r.notification !== null,
    );
  }

  /** The notifications of `deliveredRequests`. */
  delivered(): LedgerNotification[] {
    return this.deliveredRequests().map((r) => r.notification as LedgerNotification);
  }

  /**
   * Resolves when `check` holds after some request, or rejects after `timeoutMs` with `what` (a
   * bound on every wait). Event-driven: re-checked on each request, no polling.
   */
  waitUntil(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `receiver: timed out after ${timeoutMs} ms waiting for ${what} (${this.requests.length} requests)`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    this.release(503);
    await this.goDown();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'POST' || req.url !== this.path) {
      res.writeHead(404).end();
      return;
    }
    const limit = this.options.maxBodyBytes ?? 1_048_576;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limit) {
        res.writeHead(413).end();
        return;
      }
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const notification = parseNotification(rawBody);
      const signatureHeader = req.headers['ledger-signature'];
      const header = typeof signatureHeader === 'string' ? signatureHeader : undefined;
      const signature =
        this.secret === null
          ? null
          : verifyLedgerSignature(this.secret, signatureHeader, rawBody, {
              now: (this.options.now ?? Date.now)(),
              toleranceSeconds: this.options.toleranceSeconds,
            });
      const entry: Mutable<ReceivedRequest> = {
        seq: this.requests.length + 1,
        receivedAtMs: performance.timeOrigin + performance.now(),
        signatureHeader: header,
        rawBody,
        notification,
        signature,
        status: null,
        senderGone: false,
      };
      this.requests.push(entry);
      if (signature !== null && !signature.valid) this.respond(entry, res, 401);
      else if (this.holding) {
        res.on('close', () => {
          if (entry.status !== null) return;
          entry.senderGone = true;
          this.wake();
        });
        this.held.push({ entry, res });
        this.wake();
      } else this.respond(entry, res, this.answer(notification));
    });
  }

  private respond(entry: Mutable<ReceivedRequest>, res: http.ServerResponse, status: number): void {
    entry.status = status;
    entry.senderGone ||= res.destroyed || res.socket === null || res.socket.destroyed;
    if (!entry.senderGone) res.writeHead(status).end();
    this.wake();
  }

  private wake(): void {
    const ready = this.waiters.filter((w) => w.check());
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}

function parseNotification(rawBody: string): LedgerNotification | null {
  try {
    const value = JSON.parse(rawBody) as Partial<LedgerNotification> | null;
    if (
      value === null ||
      typeof value !== 'object' ||
      typeof value.notificationId !== 'string' ||
      typeof value.kind !== 'string' ||
      typeof value.accountId !== 'string' ||
      typeof value.position !== 'string'
    )
      return null;
    return value as LedgerNotification;
  } catch {
    return null;
  }
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
