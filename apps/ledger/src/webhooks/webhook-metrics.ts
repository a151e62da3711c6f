import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { LedgerMetrics } from '../metrics/ledger-metrics';

/** The dispatcher's series, on the ledger's registry (GET /metrics). */
@Injectable()
export class WebhookMetrics {
  readonly deliveries: Counter<'outcome'>;
  readonly lag: Histogram;
  readonly backlog: Gauge;
  readonly leaseHeld: Gauge;

  constructor(metrics: LedgerMetrics) {
    const registers = [metrics.registry];
    this.deliveries = new Counter({
      name: 'ledger_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome: delivered (2xx), retry (will be tried again), failed (24 h over), error (not sent: the attempt could not be recorded)',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.lag = new Histogram({
      name: 'ledger_webhook_delivery_lag_seconds',
      help: 'From the notification (its ledger time) to its delivery (the ledger clock), for delivered attempts',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400],
      registers,
    });
    this.backlog = new Gauge({
      name: 'ledger_webhook_backlog',
      help: 'Deliveries this node’s dispatcher has queued or pending (0 on a node without the lease)',
      registers,
    });
    this.leaseHeld = new Gauge({
      name: 'ledger_webhook_dispatch_lease_held',
      help: '1 when this node holds the dispatch lease (the one dispatcher of the deployment)',
      registers,
    });
  }
}
