import { removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

/**
 * Every metric the README documents (issue 15), scraped from /metrics after a known sequence of
 * commands: each exists, and those the sequence determines have exactly the expected values.
 */
export const DOCUMENTED_METRICS = [
  'ledger_http_requests_total',
  'ledger_http_request_duration_seconds',
  'ledger_commands_total',
  'ledger_append_duration_seconds',
  'ledger_version_conflicts_total',
  'ledger_projection_position',
  'ledger_projection_lag_events',
  'ledger_projection_events_applied_total',
  'ledger_projection_rebuild_events_per_second',
  'ledger_projection_failures_total',
  'ledger_projection_stalled',
  'ledger_projection_quarantined_streams',
  'ledger_expiry_sweeps_total',
  'ledger_webhook_deliveries_total',
  'ledger_webhook_delivery_lag_seconds',
  'ledger_webhook_backlog',
  'ledger_webhook_dispatch_lease_held',
] as const;

const PROJECTIONS = ['allowance-windows', 'credit-balances', 'journal', 'timeline', 'holds', 'notifications'];

/** `name{a="x",b="y"}` → value, from the Prometheus text (label order as printed by prom-client). */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) values.set(match[1], Number(match[2]));
  }
  return values;
}

describe('GET /metrics after a known sequence of commands', () => {
  let ledger: TestLedger;
  let text: string;
  let values: Map<string, number>;
  let head: string;

  beforeAll(async () => {
    ledger = await startTestLedger({ LEDGER_EXPIRY_SWEEP_MS: '86400000' });
    const service = ledger.as('service');
    const usage = (usageId: string, quantity: number) =>
      service.post('/v1/usage', {
        usageId,
        accountId: 'acct-m',
        product: 'codex',
        operation: 'cloud_task',
        quantity,
      });
    await service.post('/v1/accounts', { accountId: 'acct-m', plan: 'plus' }).expect(201);
    await usage('u-1', 30).expect(201); // the whole 5h allowance
    await usage('u-2', 1).expect(402); // no credits: rejected, and recorded
    await usage('u-2', 1).expect(402); // the same request again: replayed
    await service
      .post('/v1/accounts/acct-m/credits/purchases', {
        purchaseId: 'p-1',
        credits: '100',
        amountPaid: { amountMinor: 4000, currency: 'USD' },
      })
      .expect(201);
    await usage('u-3', 1).expect(201);
    await service
      .post('/v1/usage', {
        usageId: 'u-4',
        accountId: 'nobody',
        product: 'codex',
        operation: 'cloud_task',
        quantity: 1,
      })
      .expect(404);
    const reset = await ledger
      .as('admin')
      .post('/v1/limits/resets', { resetId: 'r-1', scope: 'all', reason: 'metrics test' })
      .expect(201);
    head = reset.body.position as string;
    await ledger.as('support').get(`/v1/accounts/acct-m?minPosition=${head}`).expect(200);
    text = (await ledger.http().get('/metrics').expect(200)).text;
    values = samples(text);
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it.each(DOCUMENTED_METRICS)('exposes %s', (name) => {
    expect(text).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
    expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
  });

  it('exposes no ledger_ metric the README does not list', () => {
    const exposed = [...text.matchAll(/^# TYPE (ledger_\w+) /gm)].map((m) => m[1]);
    expect(exposed.filter((name) => !(DOCUMENTED_METRICS as readonly string[]).includes(name))).toEqual([]);
  });

  it('counts each command under its outcome: a recorded rejection as rejected, not appended', () => {
    const commands = (command: string, outcome: string) =>
      values.get(`ledger_commands_total{command="${command}",outcome="${outcome}"}`);
    expect(commands('OpenAccount', 'appended')).toBe(1);
    expect(commands('RecordUsage', 'appended')).toBe(2);
    expect(commands('RecordUsage', 'rejected')).toBe(1);
    expect(commands('RecordUsage', 'replayed')).toBe(1);
    expect(commands('RecordUsage', 'not_found')).toBe(1);
    expect(commands('PurchaseCredits', 'appended')).toBe(1);
    expect(commands('ResetLimits', 'appended')).toBe(1);
  });

  it('observes one append per command that appended (the rejection included), and no conflicts', () => {
    expect(values.get('ledger_append_duration_seconds_count')).toBe(6);
    expect(values.get('ledger_append_duration_seconds_sum')).toBeGreaterThan(0);
    expect(values.get('ledger_version_conflicts_total')).toBe(0);
  });

  it('counts and times HTTP requests by route pattern and status', () => {
    const requests = (status: number) =>
      values.get(`ledger_http_requests_total{method="POST",route="/v1/usage",status="${status}"}`);
    expect(requests(201)).toBe(2);
    expect(requests(402)).toBe(2);
    expect(requests(404)).toBe(1);
    expect(values.get('ledger_http_request_duration_seconds_count{method="POST",route="/v1/usage"}')).toBe(5);
  });

  it('shows every projection at the head, with no lag, not stalled, nothing quarantined', () => {
    for (const projection of PROJECTIONS) {
      expect(values.get(`ledger_projection_position{projection="${projection}"}`)).toBe(Number(head));
      expect(values.get(`ledger_projection_lag_events{projection="${projection}"}`)).toBe(0);
      expect(values.get(`ledger_projection_stalled{projection="${projection}"}`)).toBe(0);
      expect(values.get(`ledger_projection_quarantined_streams{projection="${projection}"}`)).toBe(0);
    }
    expect(values.get('ledger_projection_events_applied_total')).toBe(Number(head));
    expect(text).not.toMatch(/^ledger_projection_failures_total\{/m);
  });
});
