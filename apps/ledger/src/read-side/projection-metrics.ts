import type { EventStore } from '@ledger/event-store';
import type { CommitProgress, LedgerReadSide, ProjectionFailureKind } from '@ledger/projections';
import { Counter, Gauge } from 'prom-client';
import type { LedgerMetrics } from '../metrics/ledger-metrics';

/** Batches smaller than this say little about speed (a live trickle), so they do not move the gauge. */
const SPEED_SAMPLE_MIN_EVENTS = 1_000;

/** Lag is counted by reading the log after a checkpoint: at most this many events per scrape and position. */
export const LAG_COUNT_CAP = 10_000;

/**
 * Projection position, lag and rebuild speed on the ledger's registry: position on every commit,
 * lag from the log's head (refreshed at each scrape: the head is an async read), speed from the last
 * large batch, which is what a catch-up or rebuild writes.
 */
export class ProjectionMetrics {
  private readonly applied: Counter;
  private readonly speed: Gauge;
  private readonly quarantined: Gauge;

  constructor(private readonly metrics: LedgerMetrics) {
    this.applied = new Counter({
      name: 'ledger_projection_events_applied_total',
      help: 'Log events applied to the read models (rate() of it is the projection throughput)',
      registers: [metrics.registry],
    });
    this.speed = new Gauge({
      name: 'ledger_projection_rebuild_events_per_second',
      help: `Events per second of the last batch of at least ${SPEED_SAMPLE_MIN_EVENTS} events (catch-up / rebuild speed)`,
      registers: [metrics.registry],
    });
    this.quarantined = new Gauge({
      name: 'ledger_projection_quarantined_streams',
      help: 'Streams quarantined in a projection (an event it cannot apply): their later events are held back',
      labelNames: ['projection'],
      registers: [metrics.registry],
    });
  }

  onCommit(progress: CommitProgress): void {
    for (const [projection, position] of progress.positions) {
      this.metrics.projectionPosition.set({ projection }, Number(position));
    }
    this.applied.inc(progress.events);
    if (progress.events >= SPEED_SAMPLE_MIN_EVENTS && progress.durationMs > 0) {
      this.speed.set(Math.round((progress.events * 1000) / progress.durationMs));
    }
  }

  /** One more failure of a projection (each retry that fails again counts). */
  onFailure(failure: { readonly projection: string; readonly kind: ProjectionFailureKind }): void {
    this.metrics.projectionFailures.inc({ projection: failure.projection, kind: failure.kind });
  }

  /**
   * At scrape time, from the runner's status: stalled is 1 for each projection not following the
   * log (storage, log, runner stopped); a projection with quarantined streams still follows it for
   * every other stream, so it counts them instead.
   */
  refreshStalled(readSide: LedgerReadSide): void {
    const status = readSide.runner.status();
    const stopped = new Set(status.failures.filter((f) => f.stream === undefined).map((f) => f.projection));
    for (const projection of status.positions.keys()) {
      this.metrics.projectionStalled.set({ projection }, stopped.has(projection) || !status.running ? 1 : 0);
      const streams = status.failures.filter((f) => f.projection === projection && f.stream !== undefined);
      this.quarantined.set({ projection }, streams.length);
    }
  }

  /**
   * Lag in events, not positions: on EventStoreDB positions are commit/prepare offsets (bytes), so
   * head − checkpoint would count bytes. The events after each checkpoint are counted by reading
   * the log from it, up to LAG_COUNT_CAP (the gauge then saturates there: a rebuild far behind
   * reads as "at least 10,000", its progress shows in ledger_projection_position). Projections at
   * one position share one count; one caught up costs only the head read.
   */
  async refreshLag(store: EventStore, readSide: LedgerReadSide): Promise<void> {
    const head = await store.headPosition();
    const counts = new Map<bigint, Promise<number>>();
    const countAfter = (position: bigint) => {
      if (position >= head) return Promise.resolve(0);
      let count = counts.get(position);
      if (count === undefined) {
        count = store
          .readAll({ fromPosition: position, maxCount: LAG_COUNT_CAP })
          .then((events) => events.length);
        counts.set(position, count);
      }
      return count;
    };
    for (const [projection, position] of readSide.runner.positions())
      this.metrics.projectionLag.set({ projection }, await countAfter(position));
  }
}
