import type { FastifyInstance } from 'fastify';
import type { LedgerMetrics } from '../metrics/ledger-metrics';

/**
 * Counts and times every response, including those Fastify answers itself (404, 413, bad JSON),
 * labelled by route pattern, never the raw URL: ids in URLs would explode the series.
 */
export function recordRequestMetrics(fastify: FastifyInstance, metrics: LedgerMetrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });
}
