import type { DemoClient, UsageAnswer } from './demo-client';
import { storyInstant } from './launch-story';
import { Narrator, usageResult } from './narration';

const ORG = 'acme';
const ORG_PLAN = 'business';
const MEMBERS: readonly { readonly accountId: string; readonly group: string | null }[] = [
  { accountId: 'grace', group: 'eng' },
  { accountId: 'heidi', group: 'eng' },
  { accountId: 'ivan', group: null },
];

/** A member's usage answer: the usage outcome plus, when the limit stopped it, where the limit came from. */
interface MemberUsageAnswer extends UsageAnswer {
  readonly limitSource?: string | null;
  readonly limit?: string | null;
}

/** `GET /v1/organizations/{orgId}` (API.md "Organisations"), the parts the chapter shows. */
interface OrganizationView {
  readonly credits: { readonly balance: string; readonly held: string };
  readonly members: readonly {
    readonly accountId: string;
    readonly group: string | null;
    readonly spentThisMonth: string;
    readonly limit: string | null;
    readonly limitSource: string | null;
    readonly remainingThisMonth: string | null;
  }[];
  readonly creditRequests: readonly { readonly requestId: string; readonly status: string }[];
}

/**
 * Issue 18 through the HTTP API: a business organisation buys credits once into a pool its members
 * spend, with a monthly spend limit by default and a higher one for a group; a member past his
 * limit is refused (`member_limit_reached`, naming the default limit), asks for more, is approved
 * for this month and goes on; another request is declined; support reads the organisation.
 */
export class OrgStory {
  private readonly used = new Map<string, number>();

  constructor(
    private readonly client: DemoClient,
    private readonly narrator: Narrator,
  ) {}

  async play(): Promise<void> {
    this.narrator.chapter(
      'An organisation buys credits into one pool; its members spend it within their limits',
    );
    await this.at('09:00');
    for (const { accountId } of MEMBERS) await this.client.openAccount(accountId, 'plus');
    await this.client.send(
      'service',
      'POST',
      '/v1/organizations',
      { organizationId: ORG, plan: ORG_PLAN, name: 'Acme Corp' },
      [201],
    );
    this.narrator.say(ORG, `opens an organisation on ${ORG_PLAN}`);
    for (const { accountId, group } of MEMBERS) {
      await this.client.send(
        'service',
        'PUT',
        `/v1/organizations/${ORG}/members/${accountId}`,
        group === null ? {} : { group },
        [200, 201],
      );
      this.narrator.say(ORG, `adds ${accountId}${group === null ? '' : ` to group ${group}`}`);
    }

    await this.at('09:05');
    await this.client.send(
      'service',
      'POST',
      `/v1/organizations/${ORG}/credits/purchases`,
      { purchaseId: 'acme-credits-1', credits: '100', amountPaid: { amountMinor: 4_000, currency: 'USD' } },
      [201],
    );
    this.narrator.say(ORG, 'buys 100 credits into its pool for USD 40.00', '[acme-credits-1]');
    await this.limit('default', '10');
    await this.limit('groups/eng', '30');

    await this.at('10:00');
    await this.use('grace', 20_000, 201);
    this.narrator.note('→ paid from the pool: grace has no credits of her own to spend while a member');
    await this.at('10:30');
    await this.use('ivan', 12_000, 201);
    await this.at('11:00');
    await this.use('ivan', 4_000, 402);
    this.narrator.note('→ refused: ivan has no group, so the default limit of 10 a month is his');

    await this.at('11:05');
    const asked = await this.client.send<{ requestId: string; status: string }>(
      'service',
      'POST',
      `/v1/organizations/${ORG}/credit-requests`,
      { requestId: 'ivan-request-1', accountId: 'ivan', credits: '15', note: 'release week' },
      [201],
    );
    this.narrator.say('ivan', 'asks for 15 more credits [ivan-request-1]', asked.body.status);
    await this.at('11:10');
    await this.decide('ivan-request-1', true);
    this.narrator.note('→ his limit for November is now 10 + 15 = 25; December starts again at the default');
    await this.at('11:15');
    await this.use('ivan', 4_000, 201);

    await this.at('11:20');
    await this.client.send(
      'service',
      'POST',
      `/v1/organizations/${ORG}/credit-requests`,
      { requestId: 'heidi-request-1', accountId: 'heidi', credits: '50', note: 'just in case' },
      [201],
    );
    this.narrator.say('heidi', 'asks for 50 more credits [heidi-request-1]', 'pending');
    await this.decide('heidi-request-1', false);

    await this.at('11:30');
    const head = await this.client.send<{ position: string }>('support', 'GET', '/health', undefined, [200]);
    const view = await this.client.send<OrganizationView>(
      'support',
      'GET',
      `/v1/organizations/${ORG}?minPosition=${head.body.position}`,
      undefined,
      [200],
    );
    this.narrator.say('support', `looks at organisation ${ORG}`);
    this.narrator.detail(`pool balance ${view.body.credits.balance} · held ${view.body.credits.held}`);
    for (const m of view.body.members) {
      const limit = m.limit === null ? 'no limit' : `limit ${m.limit} (${m.limitSource})`;
      const remaining = m.remainingThisMonth === null ? '' : `, ${m.remainingThisMonth} left`;
      this.narrator.detail(
        `${m.accountId.padEnd(6)} ${(m.group ?? '-').padEnd(4)} spent ${m.spentThisMonth} · ${limit}${remaining}`,
      );
    }
    const requests = view.body.creditRequests.map((r) => `${r.requestId} ${r.status}`).join(', ');
    this.narrator.detail(`requests: ${requests}`);
  }

  private async limit(level: string, creditsPerMonth: string): Promise<void> {
    await this.client.send(
      'admin',
      'PUT',
      `/v1/organizations/${ORG}/spend-limits/${level}`,
      { creditsPerMonth },
      [200, 201],
    );
    const what = level === 'default' ? 'a default limit' : `a limit for group ${level.split('/')[1]}`;
    this.narrator.say('admin', `sets ${what} of ${creditsPerMonth} credits a month`);
  }

  private async decide(requestId: string, approve: boolean): Promise<void> {
    const decided = await this.client.send<{ status: string }>(
      'admin',
      'POST',
      `/v1/organizations/${ORG}/credit-requests/${requestId}/decision`,
      { approve, note: approve ? 'ok for this month' : 'not now' },
      [200],
    );
    this.narrator.say('admin', `${approve ? 'approves' : 'declines'} ${requestId}`, decided.body.status);
  }

  /** A codex task's output tokens (0.00075 credits each, no allowance): always paid with credits. */
  private async use(user: string, outputTokens: number, expected: 201 | 402): Promise<void> {
    const n = (this.used.get(user) ?? 0) + 1;
    this.used.set(user, n);
    const usageId = `${user}-org-u${n}`;
    const body = {
      usageId,
      accountId: user,
      product: 'codex',
      operation: 'gpt-5.5:output_tokens',
      quantity: outputTokens,
      surface: 'demo',
    };
    const answer = await this.client.send<MemberUsageAnswer>('service', 'POST', '/v1/usage', body, [
      expected,
    ]);
    const a = answer.body;
    const source = a.limitSource ? ` (${a.limitSource} limit ${a.limit})` : '';
    this.narrator.say(
      user,
      `codex ${outputTokens.toLocaleString('en-US')} output tokens [${usageId}]`,
      `${usageResult(a, answer.status)}${source}`,
    );
    this.narrator.detail(`open to ${user}: ${a.credits.balance} credits`);
  }

  private async at(time: string): Promise<void> {
    const iso = storyInstant(7, time);
    await this.client.setClock(iso);
    this.narrator.clock(iso);
  }
}
