import type { DemoClient, HoldLine, HttpAnswer, SettlementAnswer } from './demo-client';
import { Narrator, storyTime } from './narration';
import { storyInstant } from './launch-story';

/** Token lines draw no allowance (unitsPerQuantity 0): any plan that may pay with credits would do. */
const USER = 'frank';
const PLAN = 'plus';

/** Token lines of a codex task: the three gpt-5.5 operations of config/rate-card.json. */
function tokens(input: number, cachedInput: number, output: number): HoldLine[] {
  const lines: HoldLine[] = [
    { operation: 'gpt-5.5:input_tokens', quantity: input },
    { operation: 'gpt-5.5:cached_input_tokens', quantity: cachedInput },
    { operation: 'gpt-5.5:output_tokens', quantity: output },
  ];
  return lines.filter((l) => l.quantity > 0);
}

function tokensText(lines: readonly HoldLine[]): string {
  const names: Record<string, string> = {
    'gpt-5.5:input_tokens': 'in',
    'gpt-5.5:cached_input_tokens': 'cached',
    'gpt-5.5:output_tokens': 'out',
  };
  return lines
    .map((l) => `${l.quantity.toLocaleString('en-US')} ${names[l.operation] ?? l.operation}`)
    .join(' + ');
}

/** `balance 4.8 · held 45.2`: an answer must show what open holds set aside (API.md, issue 17). */
function heldText(credits: { readonly balance: string; readonly held?: string }): string {
  if (credits.held === undefined)
    throw new Error(`the answer shows no held credits: ${JSON.stringify(credits)}`);
  return `balance ${credits.balance} · held ${credits.held}`;
}

/**
 * Issue 17 through the HTTP API: a long cloud task reserves credits for its estimated tokens (a
 * hold), a second task started meanwhile is refused because those credits are held, the first
 * settles with its real token count (the rest is released), and a task that failed is settled and
 * then reversed by support, so it costs nothing.
 */
export class HoldsStory {
  constructor(
    private readonly client: DemoClient,
    private readonly narrator: Narrator,
  ) {}

  async play(): Promise<void> {
    this.narrator.chapter('Long cloud tasks reserve credits first (holds), settle with the real token count');
    await this.at('10:00');
    await this.client.openAccount(USER, PLAN);
    this.narrator.say(USER, `opens a ${PLAN} account`);
    await this.client.send(
      'service',
      'POST',
      `/v1/accounts/${USER}/credits/purchases`,
      { purchaseId: 'frank-credits-1', credits: '50', amountPaid: { amountMinor: 2_000, currency: 'USD' } },
      [201],
    );
    this.narrator.say(`${USER} (${PLAN})`, 'buys 50 credits for USD 20.00', '[frank-credits-1]');

    await this.at('10:01');
    await this.place('frank-task-1', tokens(200_000, 400_000, 20_000), 'starts a long cloud task', 201);
    this.narrator.note('→ the estimate is set aside: nothing is spent yet, and nothing else can draw it');

    await this.at('10:02');
    await this.place('frank-task-2', tokens(60_000, 0, 4_000), 'starts another task', 402);
    this.narrator.note('→ refused: the credits it would need are held by the first task');

    await this.at('10:40');
    const settled = await this.settle('frank-task-1', 'frank-u-task-1', tokens(150_000, 380_000, 12_000));
    const hold = await this.client.send<{ status: string; usageId?: string }>(
      'support',
      'GET',
      `/v1/holds/frank-task-1?minPosition=${settled.body.position}`,
      undefined,
      [200],
    );
    this.narrator.say(
      'support',
      'looks at hold frank-task-1',
      `status ${hold.body.status}, usage ${hold.body.usageId}`,
    );

    await this.at('10:41');
    await this.place('frank-task-3', tokens(60_000, 0, 4_000), 'starts it again', 201);
    await this.at('10:55');
    this.narrator.note(
      '→ the task fails (its sandbox crashed); the tokens it used are still settled: the work was done',
    );
    await this.settle('frank-task-3', 'frank-u-task-3', tokens(30_000, 0, 1_000));

    await this.at('11:30');
    const reversal = await this.client.reverseUsage(
      'frank-u-task-3',
      'frank-reversal-1',
      'task failed: sandbox crashed',
    );
    const back = reversal.body.reversed;
    const grants = back.allocations.map((a) => `${a.credits} to ${a.grantId}`).join(', ');
    this.narrator.say('support', 'reverses frank-u-task-3', `↺ ${back.credits} credits back (${grants})`);
    // The answer carries no position: the log's head (after the reversal) is what the read must reach.
    const head = await this.client.send<{ position: string }>('support', 'GET', '/health', undefined, [200]);
    const account = await this.client.send<{ credits: { balance: string; held?: string } }>(
      'support',
      'GET',
      `/v1/accounts/${USER}?minPosition=${head.body.position}`,
      undefined,
      [200],
    );
    this.narrator.say('support', `looks at ${USER}'s account`);
    this.narrator.detail(heldText(account.body.credits));
  }

  private async place(
    holdId: string,
    lines: readonly HoldLine[],
    what: string,
    expected: 201 | 402,
  ): Promise<void> {
    const answer = await this.client.placeHold(holdId, USER, 'codex', lines, 3_600, [expected]);
    const body = answer.body;
    const result =
      answer.status === 402
        ? `✗ 402 ${body.reason}: needs ${body.requiredCredits} credits`
        : `✓ holds ${body.held?.credits} credits until ${storyTime(body.expiresAt ?? '')}`;
    this.narrator.say(`${USER} (${PLAN})`, `${what} [${holdId}]`, result);
    this.narrator.detail(`${tokensText(lines)} tokens · ${heldText(body.credits)}`);
  }

  private async settle(
    holdId: string,
    usageId: string,
    lines: readonly HoldLine[],
  ): Promise<HttpAnswer<SettlementAnswer>> {
    const answer = await this.client.settleHold(holdId, usageId, lines);
    const body = answer.body;
    const uncollected = body.uncollected === '0' ? '' : `, ${body.uncollected} uncollected`;
    this.narrator.say(
      `${USER} (${PLAN})`,
      `settles ${holdId} [${usageId}]`,
      `✓ ${body.charged.credits} credits, ${body.released.credits} released${uncollected}`,
    );
    this.narrator.detail(`${tokensText(lines)} tokens · ${heldText(body.credits)}`);
    return answer;
  }

  private async at(time: string): Promise<void> {
    const iso = storyInstant(6, time);
    await this.client.setClock(iso);
    this.narrator.clock(iso);
  }
}
