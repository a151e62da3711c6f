/**
 * The port's Subscription over EventStoreDB's catch-up subscription to $all (server-side filter that
 * excludes system events), with checkpoints and reconnection.
 *
 * Ordering: the client delivers events through a Transform stream but checkpoints through the
 * `checkpointReached` callback, which the Transform awaits before processing the next message. If we
 * yielded a checkpoint as soon as the callback ran, events still buffered in the Transform (sent by the
 * server BEFORE the checkpoint) would be yielded after it, and a consumer that stores the checkpoint
 * could skip them after a crash. So the callback hands the checkpoint to the pull loop and waits; the
 * pull loop drains every buffered event first (synchronous `read()` calls), then yields the checkpoint,
 * then releases the callback. One pull loop, driven by the consumer's `for await`: never concurrent
 * `on('data')` handlers, and the server is back-pressured by a slow consumer.
 */
import {
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  ErrorType,
  isCommandError,
  type Position,
} from '@eventstore/db-client';
import type { Subscription, SubscriptionItem } from '../event-store';
import { encodeCheckpoint } from './positions';

export interface ReconnectPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export interface SubscriptionSource {
  /** Opens a subscription resuming after `from` (exclusive); checkpoints go to `onCheckpoint`. */
  open(from: bigint, onCheckpoint: (position: Position) => Promise<void>): AllStreamSubscription;
  /** The port item for a delivered event, or undefined to skip it. May throw (non-transient). */
  toItem(resolved: AllStreamResolvedEvent): SubscriptionItem | undefined;
}

/** gRPC status codes (a stable standard), so this library needs no direct dependency on grpc-js. */
const TRANSIENT_GRPC_CODES = new Set([
  1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 10 /* ABORTED */,
  14 /* UNAVAILABLE */,
]);
/** A fault inside the server: may pass (a node restarting), may not (a bug): retried a few times only. */
const SERVER_FAULT_CODES = new Set([2 /* UNKNOWN */, 13 /* INTERNAL */]);
/** Consecutive UNKNOWN/INTERNAL drops without progress before the subscription fails for good. */
export const MAX_SERVER_FAULT_RETRIES = 3;

/** Drops worth a reconnect: the node went away, restarted or lost leadership. Anything else surfaces. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error) || !isCommandError(error)) return false;
  if (error.type === ErrorType.NOT_LEADER) return true;
  return typeof error.code === 'number' && TRANSIENT_GRPC_CODES.has(error.code);
}

function isServerFault(error: unknown): boolean {
  if (!(error instanceof Error) || !isCommandError(error)) return false;
  return typeof error.code === 'number' && SERVER_FAULT_CODES.has(error.code);
}

export class EsdbSubscription implements Subscription {
  private closed = false;
  private iterated = false;
  private current: AllStreamSubscription | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly source: SubscriptionSource,
    private readonly fromPosition: bigint,
    private readonly reconnect: ReconnectPolicy,
    private readonly onClosed: () => void = () => undefined,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionItem> {
    // One pull loop per subscription: a second iterator would race the first for the same stream.
    if (this.iterated) throw new Error('an EventStoreDB subscription can be iterated only once');
    this.iterated = true;
    return this.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.onClosed();
    this.notify();
    await this.current?.unsubscribe().catch(() => undefined);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private waitForSignal(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private async *run(): AsyncGenerator<SubscriptionItem> {
    let position = this.fromPosition;
    let delay = this.reconnect.initialDelayMs;
    let serverFaults = 0;
    while (!this.closed) {
      let pending: { position: Position; release: () => void } | undefined;
      const subscription = this.source.open(
        position,
        (checkpoint) =>
          new Promise<void>((release) => {
            pending = { position: checkpoint, release };
            this.notify();
          }),
      );
      this.current = subscription;
      let failure: unknown;
      let ended = false;
      const onError = (error: unknown): void => {
        failure = error;
        this.notify();
      };
      const onEnd = (): void => {
        ended = true;
        this.notify();
      };
      const onReadable = (): void => this.notify();
      subscription.on('error', onError).on('end', onEnd).on('close', onEnd).on('readable', onReadable);
      try {
        while (!this.closed) {
          const resolved = subscription.read() as AllStreamResolvedEvent | null;
          if (resolved !== null) {
            const item = this.source.toItem(resolved);
            // Exclusive resume + monotonic guard: never re-yield what the consumer already has.
            if (item?.kind === 'event' && item.event.position > position) {
              position = item.event.position;
              delay = this.reconnect.initialDelayMs;
              serverFaults = 0;
              yield item;
            }
            continue;
          }
          if (pending) {
            const { position: checkpoint, release } = pending;
            pending = undefined;
            const encoded = encodeCheckpoint(checkpoint);
            if (encoded !== undefined && encoded > position) {
              position = encoded;
              delay = this.reconnect.initialDelayMs;
              serverFaults = 0;
              yield { kind: 'checkpoint', position: encoded };
            }
            release();
            continue;
          }
          if (failure !== undefined) throw failure;
          if (ended) break; // the server ended a subscription that never ends by itself: a drop
          await this.waitForSignal();
        }
      } catch (error) {
        if (this.closed) return;
        // UNKNOWN/INTERNAL again and again is not a restart: surface it (the read side reports it)
        // instead of reconnecting forever in silence.
        const retry =
          isTransient(error) || (isServerFault(error) && ++serverFaults <= MAX_SERVER_FAULT_RETRIES);
        if (!retry) throw error;
      } finally {
        pending?.release();
        subscription.off('error', onError).off('end', onEnd).off('close', onEnd).off('readable', onReadable);
        // Keep a listener: a late error from a subscription we are abandoning must not crash the process.
        subscription.on('error', () => undefined);
        await subscription.unsubscribe().catch(() => undefined);
        this.current = undefined;
      }
      if (this.closed) return;
      await this.sleep(delay);
      delay = Math.min(delay * 2, this.reconnect.maxDelayMs);
    }
  }

  /** Backoff between reconnects; close() cuts it short. */
  private async sleep(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
      this.waitForSignal(),
    ]);
    clearTimeout(timer);
  }
}
