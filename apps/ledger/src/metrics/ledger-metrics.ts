import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every Prometheus series the ledger exposes, on one registry (not prom-client's global one, so tests can make many apps). */
@Injectable()
export class LedgerMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'ledger_http_requests_total',
    help: 'HTTP requests by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'ledger_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5],
    registers: [this.registry],
  });

  readonly commands = new Counter({
    name: 'ledger_commands_total',
    help: 'Commands handled, by command type and outcome (appended, replayed, rejected, invalid, not_found, conflict, error)',
    labelNames: ['command', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly appendDuration = new Histogram({
    name: 'ledger_append_duration_seconds',
    help: 'Time to durably append a command’s events to the event store',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });

  readonly versionConflicts = new Counter({
    name: 'ledger_version_conflicts_total',
    help: 'Appends retried after a wrong-expected-version answer',
    registers: [this.registry],
  });

  readonly projectionPosition = new Gauge({
    name: 'ledger_projection_position',
    help: 'Global log position each projection has reached',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly projectionLag = new Gauge({
    name: 'ledger_projection_lag_events',
    help: "Events in the log after each projection's checkpoint, counted (not a position difference: EventStoreDB positions are byte offsets); saturates at 10000",
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly projectionFailures = new Counter({
    name: 'ledger_projection_failures_total',
    help: 'Times a projection could not apply an event (kind="event") or the read models could not be written (kind="storage") or the log read (kind="log")',
    labelNames: ['projection', 'kind'] as const,
    registers: [this.registry],
  });

  readonly projectionStalled = new Gauge({
    name: 'ledger_projection_stalled',
    help: '1 while a projection does not follow the log (a failure it retries with backoff; see /health), else 0',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly creditsExpiredSweeps = new Counter({
    name: 'ledger_expiry_sweeps_total',
    help: 'Scheduler sweeps writing off expired credits, by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  private readonly scrapeHooks: (() => Promise<void>)[] = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Registers work to do before each scrape (values that need an async read, like projection lag). */
  beforeScrape(hook: () => Promise<void>): void {
    this.scrapeHooks.push(hook);
  }

  /** The Prometheus text, with every scrape hook run first (a failing hook leaves its last values). */
  async render(): Promise<string> {
    await Promise.all(this.scrapeHooks.map((hook) => hook().catch(() => undefined)));
    return this.registry.metrics();
  }
}
