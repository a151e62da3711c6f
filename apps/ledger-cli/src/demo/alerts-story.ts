import {
  LocalWebhookReceiver,
  type LedgerNotification,
} from '../../../ledger/src/webhooks/receiver/local-webhook-receiver';
import type { DemoClient, UsageAnswer } from './demo-client';
import { storyInstant } from './launch-story';
import { Narrator, stateAfter, storyTime, usageResult } from './narration';

const USER = 'judy';
const PLAN = 'plus';
const KINDS = ['window.threshold', 'topup.requested'] as const;
/** The story's price of a credit in cents (100 credits for USD 40.00, as in the launch story). */
const CENTS_PER_CREDIT = 40;

interface WebhookAnswer {
  readonly webhookId: string;
  readonly url: string;
  readonly kinds: readonly string[];
  readonly secret: string;
}

/**
 * Issue 19 through the HTTP API: the product's billing service runs a webhook receiver (a real
 * `node:http` server in this process), an operator subscribes it, judy's usage crosses 80% of her
 * 5-hour window and the signed notification arrives and verifies; then auto top-up: a usage leaves
 * her balance below the setting, the `topup.requested` notification reaches the billing service,
 * which buys the credits with `purchaseId` = `topUpId`, and her balance is back at the target.
 */
export class AlertsStory {
  private now = '';
  private seen = 0;
  private seenUsage = 0;

  constructor(
    private readonly client: DemoClient,
    private readonly narrator: Narrator,
  ) {}

  async play(): Promise<void> {
    this.narrator.chapter('Alerts by webhook, and an automatic top-up being fulfilled');
    const receiver = await LocalWebhookReceiver.start({ now: () => Date.parse(this.now) });
    try {
      await this.story(receiver);
    } finally {
      await receiver.close();
    }
  }

  private async story(receiver: LocalWebhookReceiver): Promise<void> {
    await this.at('09:00');
    this.narrator.say('billing svc', 'listens for webhooks', receiver.url);
    const hook = await this.client.send<WebhookAnswer>(
      'admin',
      'POST',
      '/v1/webhooks',
      { url: receiver.url, kinds: KINDS },
      [201],
    );
    receiver.useSecret(hook.body.secret);
    this.narrator.say('operator', `subscribes it [${hook.body.webhookId}]`, hook.body.kinds.join(', '));
    this.narrator.note(
      '→ the secret is in this answer only: the billing service keeps it to check signatures',
    );

    await this.client.openAccount(USER, PLAN);
    this.narrator.say(USER, `opens a ${PLAN} account`);
    await this.buy('judy-credits-1', '40', 'buys 40 credits for USD 16.00');

    await this.at('09:30');
    await this.use(100);
    await this.at('10:15');
    await this.use(25);
    await this.expectDeliveries(receiver, ['window.threshold']);
    this.narrator.note('→ one alert per window and threshold: more usage above 80% sends no second one');
    await this.at('10:20');
    await this.use(5);

    await this.at('11:00');
    const setting = { enabled: true, belowCredits: '20', targetCredits: '100', monthlyLimitCredits: '300' };
    await this.client.send('service', 'PUT', `/v1/accounts/${USER}/auto-top-up`, setting, [200]);
    this.narrator.say(
      USER,
      'turns on auto top-up',
      `below ${setting.belowCredits} → up to ${setting.targetCredits}, ≤ ${setting.monthlyLimitCredits}/month`,
    );
    await this.at('11:30');
    await this.use(25); // 20 fill the window (150/150), the last 5 are paid with 25 credits: 15 left
    const [, topUp] = await this.expectDeliveries(receiver, ['window.threshold', 'topup.requested']);
    const topUpId = String(topUp.data.topUpId);
    const credits = String(topUp.data.credits);
    if (!/^\d+$/.test(credits))
      throw new Error(`expected a whole-credit topup.requested, got ${JSON.stringify(topUp)}`);
    await this.at('11:31');
    const cents = Number(credits) * CENTS_PER_CREDIT;
    await this.buy(topUpId, credits, `charges the card: ${credits} credits, USD ${(cents / 100).toFixed(2)}`);
    this.narrator.note('→ an ordinary purchase whose purchaseId is the topUpId: it fulfils the request');
    const head = await this.client.send<{ position: string }>('support', 'GET', '/health', undefined, [200]);
    const account = await this.client.send<{ credits: { balance: string } }>(
      'support',
      'GET',
      `/v1/accounts/${USER}?minPosition=${head.body.position}`,
      undefined,
      [200],
    );
    this.narrator.say('support', `looks at ${USER}'s account`, `balance ${account.body.credits.balance}`);
  }

  /**
   * Waits (bounded) for the next deliveries, checks they are exactly `kinds` in that order and
   * verified (a repeated alert would show here), prints them and returns them.
   */
  private async expectDeliveries(
    receiver: LocalWebhookReceiver,
    kinds: readonly string[],
  ): Promise<LedgerNotification[]> {
    const target = this.seen + kinds.length;
    await receiver.waitUntil(() => receiver.delivered().length >= target, `${target} deliveries`, 30_000);
    const fresh = receiver.deliveredRequests().slice(this.seen, target);
    this.seen = target;
    const got = fresh.map((r) => r.notification?.kind);
    if (got.join() !== kinds.join())
      throw new Error(`expected ${kinds.join(', ')}, received ${got.join(', ')}`);
    for (const request of fresh) {
      const n = request.notification as LedgerNotification;
      if (request.signature?.valid !== true) throw new Error(`an unverified delivery: ${request.rawBody}`);
      const t = new Date(request.signature.timestamp * 1000).toISOString();
      this.narrator.say('billing svc', `← ${n.kind} for ${n.accountId}`, notificationText(n));
      this.narrator.detail(`Ledger-Signature ✓ (t ${storyTime(t)}) · ${n.notificationId.slice(0, 12)}…`);
    }
    return fresh.map((r) => r.notification as LedgerNotification);
  }

  private async use(quantity: number): Promise<UsageAnswer> {
    this.seenUsage += 1;
    const usageId = `${USER}-u${this.seenUsage}`;
    const answer = await this.client.recordUsage(usageId, USER, 'codex', 'local_message', quantity);
    this.narrator.say(
      `${USER} (${PLAN})`,
      `codex local_message ×${quantity} [${usageId}]`,
      usageResult(answer.body, answer.status),
    );
    this.narrator.detail(stateAfter(answer.body, 'codex'));
    return answer.body;
  }

  private async buy(purchaseId: string, credits: string, what: string): Promise<void> {
    const amountMinor = Number(credits) * CENTS_PER_CREDIT;
    await this.client.send(
      'service',
      'POST',
      `/v1/accounts/${USER}/credits/purchases`,
      { purchaseId, credits, amountPaid: { amountMinor, currency: 'USD' } },
      [201],
    );
    this.narrator.say(purchaseId.startsWith(USER) ? USER : 'billing svc', what, `[${purchaseId}]`);
  }

  private async at(time: string): Promise<void> {
    this.now = storyInstant(8, time);
    await this.client.setClock(this.now);
    this.narrator.clock(this.now);
  }
}

function notificationText(n: LedgerNotification): string {
  const d = n.data;
  switch (n.kind) {
    case 'window.threshold':
      return `${String(d.product)} ${String(d.window)} at ${String(d.usedPercent)}% (≥ ${String(d.thresholdPercent)}%), resets ${storyTime(String(d.resetsAt))}`;
    case 'topup.requested':
      return `${String(d.credits)} credits [${String(d.topUpId)}]`;
    case 'credits.low':
      return `balance ${String(d.balance)} < ${String(d.threshold)}`;
    default:
      return JSON.stringify(d);
  }
}
