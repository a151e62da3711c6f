import type { DemoClient } from './demo-client';
import { Narrator, stateAfter, storyTime, usageResult } from './narration';

/** The users of the story (plans as in the seed: Plus and Pro get credits; Free does not). */
const PLANS = { alice: 'plus', bob: 'pro', carol: 'plus', dave: 'plus', erin: 'free' } as const;
type User = keyof typeof PLANS;

/** Monday 2 November 2026, the week after the Codex credits launch. */
export const STORY_START = '2026-11-02T09:00:00.000Z';
const DAY_MS = 86_400_000;

/** `HH:MM` on day `day` of the story (0 = Monday 2 November 2026), as an ISO instant. */
export function storyInstant(day: number, time: string): string {
  return new Date(Date.parse(STORY_START) + day * DAY_MS).toISOString().slice(0, 11) + `${time}:00.000Z`;
}

/**
 * The launch story from the seed over a simulated week, through the real HTTP API: Plus and Pro
 * users hit their 5-hour and weekly limits, one buys credits after "Add credits" and goes on on
 * credits (on a second product too), a promotional grant expires, a purchase is refunded, and the
 * operator resets everyone's limits.
 */
export class LaunchStory {
  private readonly used = new Map<User, number>();

  constructor(
    private readonly client: DemoClient,
    private readonly narrator: Narrator,
  ) {}

  async play(): Promise<void> {
    await this.monday();
    await this.tuesday();
    await this.wednesday();
    await this.thursdayAndFriday();
    await this.saturday();
  }

  private async monday(): Promise<void> {
    this.narrator.chapter('Codex credits are live: Plus and Pro users may go past their limits on credits');
    await this.at(0, '09:00');
    for (const [user, plan] of Object.entries(PLANS)) {
      await this.client.openAccount(user, plan);
      this.narrator.say(user, `opens a ${plan} account`);
    }
    await this.grant('carol', 'promo-launch-carol', '20', 'Codex credits launch gift', 2);
    await this.at(0, '09:05');
    await this.use('alice', 'codex', 'cloud_task', 30);
    await this.use('bob', 'codex', 'cloud_task', 180);
    await this.at(0, '09:30');
    await this.use('alice', 'codex', 'cloud_task', 1);
    this.narrator.note('→ Codex shows "Add credits"');
    await this.at(0, '09:31');
    await this.buy('alice', 'alice-credits-1', '100', 4_000);
    await this.at(0, '09:32');
    await this.use('alice', 'codex', 'cloud_task', 1);
    await this.at(0, '09:40');
    await this.use('alice', 'codex', 'local_message', 3);
    await this.at(0, '10:00');
    await this.use('erin', 'codex', 'local_message', 15);
    await this.use('erin', 'codex', 'local_message', 1);
    await this.at(0, '11:00');
    await this.use('carol', 'codex', 'local_message', 150);
    await this.use('carol', 'codex', 'local_message', 2);
    await this.at(0, '15:00');
    await this.use('bob', 'codex', 'cloud_task', 180);
  }

  private async tuesday(): Promise<void> {
    this.narrator.chapter('Credits work across products');
    await this.at(1, '09:05');
    await this.use('bob', 'codex', 'cloud_task', 180);
    await this.at(1, '10:00');
    await this.use('alice', 'chatgpt_excel', 'workbook_analysis', 50);
    await this.use('alice', 'chatgpt_excel', 'workbook_analysis', 2);
    await this.at(1, '12:00');
    await this.buy('dave', 'dave-credits-1', '200', 8_000);
    await this.use('dave', 'codex', 'cloud_task', 30);
    await this.use('dave', 'codex', 'cloud_task', 1);
    await this.at(1, '15:05');
    await this.use('bob', 'codex', 'cloud_task', 180);
  }

  private async wednesday(): Promise<void> {
    this.narrator.chapter('A promotional grant expires; a purchase is refunded');
    await this.at(2, '09:05');
    await this.use('bob', 'codex', 'cloud_task', 180);
    await this.at(2, '10:00');
    this.narrator.note(
      "carol's launch gift expired at 09:00 with 10 credits unused: the ledger writes them off (CreditsExpired)",
    );
    await this.use('carol', 'codex', 'local_message', 1);
    await this.at(2, '15:05');
    await this.use('bob', 'codex', 'cloud_task', 180);
    await this.at(2, '16:00');
    const refund = await this.client.send<{ credits: string; amountRefunded: { amountMinor: number } }>(
      'admin',
      'POST',
      '/v1/accounts/dave/credits/purchases/dave-credits-1/refunds',
      { refundId: 'dave-refund-1', reason: 'customer asked: bought too many' },
      [201],
    );
    const { credits, amountRefunded } = refund.body;
    this.narrator.say(
      'support',
      'refunds dave-credits-1',
      `${credits} unused credits, USD ${(amountRefunded.amountMinor / 100).toFixed(2)} back`,
    );
  }

  private async thursdayAndFriday(): Promise<void> {
    this.narrator.chapter('Bob (Pro) works through his weekly limit');
    for (const [day, time] of [
      [3, '09:05'],
      [3, '15:05'],
      [4, '09:05'],
      [4, '15:05'],
    ] as const) {
      await this.at(day, time);
      await this.use('bob', 'codex', 'cloud_task', 180);
    }
    await this.at(4, '20:30');
    await this.use('bob', 'codex', 'cloud_task', 1);
    this.narrator.note('→ the 5-hour window is fresh, but the weekly one is full until Monday');
  }

  private async saturday(): Promise<void> {
    this.narrator.chapter("The operator resets everyone's limits (as on October 31st)");
    await this.at(5, '10:00');
    await this.client.send(
      'admin',
      'POST',
      '/v1/limits/resets',
      {
        resetId: 'reset-codex-launch',
        scope: 'all',
        product: 'codex',
        reason: 'Codex rate limits reset for all users',
      },
      [201],
    );
    this.narrator.say(
      'operator',
      'resets Codex limits for every user',
      '(one event on the limits-resets stream)',
    );
    await this.at(5, '10:05');
    await this.use('bob', 'codex', 'cloud_task', 50);
    await this.use('alice', 'codex', 'cloud_task', 30);
    await this.use('alice', 'codex', 'cloud_task', 1);
  }

  private async at(day: number, time: string): Promise<void> {
    const iso = storyInstant(day, time);
    await this.client.setClock(iso);
    this.narrator.clock(iso);
  }

  private async use(user: User, product: string, operation: string, quantity: number): Promise<void> {
    const n = (this.used.get(user) ?? 0) + 1;
    this.used.set(user, n);
    const answer = await this.client.recordUsage(`${user}-u${n}`, user, product, operation, quantity);
    this.narrator.say(
      `${user} (${PLANS[user]})`,
      `${product} ${operation} ×${quantity} [${user}-u${n}]`,
      usageResult(answer.body, answer.status),
    );
    this.narrator.detail(stateAfter(answer.body, product));
  }

  private async buy(user: User, purchaseId: string, credits: string, amountMinor: number): Promise<void> {
    await this.client.send(
      'service',
      'POST',
      `/v1/accounts/${user}/credits/purchases`,
      {
        purchaseId,
        credits,
        amountPaid: { amountMinor, currency: 'USD' },
      },
      [201],
    );
    this.narrator.say(
      `${user} (${PLANS[user]})`,
      `buys ${credits} credits for USD ${(amountMinor / 100).toFixed(2)}`,
      `[${purchaseId}]`,
    );
  }

  private async grant(
    user: User,
    grantId: string,
    credits: string,
    reason: string,
    days: number,
  ): Promise<void> {
    const expiresAt = new Date(Date.parse(STORY_START) + days * DAY_MS).toISOString();
    await this.client.send(
      'admin',
      'POST',
      `/v1/accounts/${user}/credits/grants`,
      { grantId, credits, reason, expiresAt },
      [201],
    );
    this.narrator.say(
      'operator',
      `gives ${user} ${credits} promotional credits`,
      `"${reason}", expires ${storyTime(expiresAt)}`,
    );
  }
}
