import * as fs from 'node:fs';
import * as path from 'node:path';
import { durationUntil, instantOfLocalInput, spendingCapText, utc } from '../../apps/console/src/format';
import {
  approvalEffect,
  creditsOf,
  describeLimitChange,
  limitOfInput,
  limitPath,
  limitText,
  microOf,
  requestsInOrder,
} from '../../apps/console/src/views/organization-logic';
import { replayedPerMille } from '../../apps/console/src/verify-progress';
import type { TimelineItem } from '../../apps/console/src/ledger-types';
import { chargeName, isCharge } from '../../apps/console/src/views/charges';
import { summaryOf, windowsLine } from '../../apps/console/src/views/event-summary';
import {
  deliveryStateText,
  kindLabel,
  notificationCursorAt,
  notificationSummary,
} from '../../apps/console/src/views/notification-summary';
import type { NotificationView } from '../../apps/console/src/ledger-types';

/** The console's pure helpers; the page itself is tested in chromium (console.browser.spec.ts). */
describe('verification progress', () => {
  it('is a fraction only while replaying, exact on positions past 2^53', () => {
    const replaying = { phase: 'replaying' as const, eventsReplayed: 5 };
    expect(replayedPerMille({ ...replaying, position: '250', target: '1000' })).toBe(250);
    expect(replayedPerMille({ ...replaying, position: '9007199254740993', target: '9007199254740994' })).toBe(
      999,
    );
    expect(replayedPerMille({ ...replaying, position: '1200', target: '1000' })).toBe(1000);
    expect(replayedPerMille({ ...replaying, position: '0', target: '0' })).toBeUndefined();
    expect(
      replayedPerMille({ ...replaying, phase: 'comparing', position: '10', target: '10' }),
    ).toBeUndefined();
    expect(
      replayedPerMille({ ...replaying, phase: 'waiting-for-live', position: '0', target: '10' }),
    ).toBeUndefined();
    expect(replayedPerMille(null)).toBeUndefined();
  });
});

describe('times on the console', () => {
  it('counts down to a reset on the ledger clock', () => {
    const now = '2026-11-01T10:00:00.000Z';
    expect(durationUntil('2026-11-01T14:00:00.000Z', now)).toBe('4h 0m');
    expect(durationUntil('2026-11-08T01:00:00.000Z', now)).toBe('6d 15h');
    expect(durationUntil('2026-11-01T10:00:42.000Z', now)).toBe('42s');
    expect(durationUntil('2026-11-01T09:00:00.000Z', now)).toBe('now');
  });

  it('reads a datetime-local value as UTC and refuses anything else', () => {
    expect(instantOfLocalInput('2026-11-01T01:30')).toBe('2026-11-01T01:30:00.000Z');
    expect(instantOfLocalInput('2026-11-01T01:30:15')).toBe('2026-11-01T01:30:15.000Z');
    expect(instantOfLocalInput('yesterday')).toBeUndefined();
    expect(utc('2026-11-01T01:30:00.000Z')).toBe('2026-11-01 01:30:00 UTC');
    expect(utc(null)).toBe('—');
  });
});

/** WCAG 2 contrast of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe('the console palette', () => {
  const css = fs.readFileSync(
    path.join(__dirname, '..', '..', 'apps', 'console', 'src', 'console.css'),
    'utf8',
  );
  const colour = (name: string): string => {
    const found = new RegExp(`--${name}:\\s*(#[0-9a-f]{6});`, 'i').exec(css);
    if (!found) throw new Error(`console.css has no --${name}`);
    return found[1];
  };

  it('keeps every text colour at WCAG AA (4.5:1) on the backgrounds it is used on', () => {
    const white = '#ffffff';
    const pairs: [string, string, string][] = [
      ['text on the page', colour('ink'), colour('paper')],
      ['text on a panel', colour('ink'), colour('panel')],
      ['help text on a panel', colour('muted'), colour('panel')],
      ['links and small buttons', colour('accent'), white],
      ['button labels', white, colour('accent')],
      ['danger button labels', white, colour('bad')],
      ['errors', colour('bad'), '#fdf0f0'],
      ['success', colour('ok'), '#eef8f1'],
      ['header', white, '#14213d'],
    ];
    for (const [use, fg, bg] of pairs)
      expect({ use, ok: contrast(fg, bg) >= 4.5 }).toEqual({ use, ok: true });
    expect(css).toContain('background: #fdf0f0');
    expect(css).toContain('background: #eef8f1');
    expect(css).toContain('background: #14213d');
  });
});

describe('hold events in the timeline', () => {
  const item = (type: string, data: Record<string, unknown>): TimelineItem => ({
    position: '1',
    revision: 1,
    type,
    recordedAt: '2026-11-01T10:00:00.000Z',
    data,
    stateAfter: { plan: 'plus', spendingCap: null, balance: '0', windows: [], grants: [] },
  });

  it('says what each hold event did, in the words support uses', () => {
    expect(
      summaryOf(
        item('HoldPlaced', {
          holdId: 'h-1',
          allowanceUnits: 5,
          credits: '25',
          expiresAt: '2026-11-02T10:00:00.000Z',
        }),
      ),
    ).toBe('hold h-1 placed: 5 units and 25 credits held, expires 2026-11-02 10:00:00 UTC');
    expect(
      summaryOf(
        item('HoldSettled', {
          holdId: 'h-1',
          usageId: 'u-1',
          consumed: { allowanceUnits: 0, credits: '10' },
          charged: { allowanceUnits: 0, credits: '7.5' },
          released: { allowanceUnits: 2, credits: '0' },
          uncollected: { credits: '2.5', reason: 'insufficient_credits' },
        }),
      ),
    ).toBe('u-1: hold h-1 settled — 10 credits from the hold, 7.5 beyond it, 0 released, 2.5 uncollected');
    expect(
      summaryOf(item('HoldExpired', { holdId: 'h-2', released: { allowanceUnits: 3, credits: '1' } })),
    ).toBe('hold h-2 expired: 3 units and 1 credits back');
    expect(
      summaryOf(
        item('UsageReversed', { usageId: 'u-2', reason: 'task failed', allowanceUnits: 0, credits: '15' }),
      ),
    ).toBe('usage u-2 reversed (task failed): 0 units and 15 credits back');
  });

  it('explains settlements and reversals, named by usage or reversal', () => {
    expect(isCharge(item('HoldSettled', {}))).toBe(true);
    expect(isCharge(item('UsageReversed', {}))).toBe(true);
    expect(isCharge(item('HoldPlaced', {}))).toBe(false);
    expect(chargeName(item('HoldSettled', { usageId: 'u-1' }))).toBe('usage u-1');
    expect(chargeName(item('UsageReversed', { reversalId: 'rv-1', usageId: 'u-2' }))).toBe('reversal rv-1');
    expect(isCharge(item('HoldExpired', {}))).toBe(true);
    expect(isCharge(item('HoldReleased', {}))).toBe(true);
    expect(chargeName(item('HoldReleased', { holdId: 'h-9' }))).toBe('hold h-9');
  });

  it('shows units held beside used in the windows line, and a window only held in as open', () => {
    const w = { product: 'codex', used: 0, limit: 150, remaining: 145, resetsAt: null };
    expect(windowsLine([{ ...w, window: '5h', startedAt: null, held: 5 }])).toBe('codex 5h 0/150 (5 held)');
    expect(windowsLine([{ ...w, window: '5h', startedAt: null }])).toBe('no open windows');
  });
});

describe('notifications on the console', () => {
  const note = (kind: string, data: Record<string, unknown>): NotificationView => ({
    notificationId: 'ntf_0',
    kind,
    accountId: 'a',
    occurredAt: '2026-11-01T10:00:00.000Z',
    position: '7',
    data,
  });

  it('says what each kind of SPEC §8 means, from the fields API.md gives it', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [
        'window.threshold',
        {
          product: 'codex',
          window: '5h',
          thresholdPercent: 80,
          usedPercent: 83,
          resetsAt: '2026-11-01T15:00:00.000Z',
        },
        'codex 5h window 83% used (threshold 80%), resets 2026-11-01 15:00:00 UTC',
      ],
      [
        'credits.low',
        { balance: '4.5', threshold: '5' },
        'balance 4.5 credits, below the alert threshold of 5',
      ],
      [
        'credits.depleted',
        { holdId: 'h-1', requiredCredits: '25' },
        'hold h-1 refused for lack of credits (needed 25)',
      ],
      [
        'credits.expiring',
        { grantId: 'g-1', remaining: '10', expiresAt: '2026-11-04T00:00:00.000Z' },
        'grant g-1: 10 credits expire 2026-11-04 00:00:00 UTC',
      ],
      [
        'spending_cap.reached',
        { usageId: 'u-1', creditsPerMonth: '100', requiredCredits: '5' },
        'usage u-1 refused by the spending cap of 100 credits a month (needed 5)',
      ],
      [
        'member_limit.reached',
        { usageId: 'u-2', limit: '30', limitSource: 'group' },
        'usage u-2 refused by the member limit of 30 credits a month (group limit)',
      ],
      [
        'hold.expired',
        { holdId: 'h-2', expiresAt: '2026-11-01T09:00:00.000Z' },
        'hold h-2 expired (2026-11-01 09:00:00 UTC): what it held is back',
      ],
      ['topup.requested', { topUpId: 'topup-7', credits: '105' }, 'top-up topup-7 requested: 105 credits'],
      [
        'topup.failed',
        { topUpId: 'topup-9', reason: 'card declined', failuresInARow: 3, autoTopUpTurnedOff: true },
        'top-up topup-9 failed (card declined), 3 in a row; auto top-up turned itself off',
      ],
    ];
    for (const [kind, data, words] of cases) expect(notificationSummary(note(kind, data))).toBe(words);
    expect(kindLabel('credits.low')).toBe('Credits low');
  });

  it('shows a kind it does not know by its name and its simple fields, never as nothing', () => {
    expect(kindLabel('pool.empty')).toBe('pool.empty');
    expect(notificationSummary(note('pool.empty', { organizationId: 'o-1', nested: { a: 1 }, n: 2 }))).toBe(
      'organizationId o-1 · n 2',
    );
    expect(notificationSummary(note('credits.low', {}))).toBe(
      'balance — credits, below the alert threshold of —',
    );
  });

  it('starts a page at a log position with a cursor just before it, exact past 2^53', () => {
    expect(notificationCursorAt('13')).toBe('12.999999');
    expect(notificationCursorAt('9007199254740993')).toBe('9007199254740992.999999');
    expect(notificationCursorAt('0')).toBeUndefined();
  });

  it('names the alert events in the timeline', () => {
    const item = (type: string, data: Record<string, unknown>): TimelineItem => ({
      position: '1',
      revision: 1,
      type,
      recordedAt: '2026-11-01T10:00:00.000Z',
      data,
      stateAfter: { plan: 'plus', spendingCap: null, balance: '0', windows: [], grants: [] },
    });
    expect(summaryOf(item('AlertsSet', { creditsBelow: null, expiringWithinDays: 7 }))).toBe(
      'alerts: credits below off, expiring within 7 days',
    );
    expect(
      summaryOf(
        item('AutoTopUpSet', {
          enabled: true,
          belowCredits: '50',
          targetCredits: '150',
          monthlyLimitCredits: '500',
        }),
      ),
    ).toBe('auto top-up on: below 50 buy up to 150, at most 500 a month');
    expect(summaryOf(item('AutoTopUpSet', { enabled: false }))).toBe('auto top-up off');
    expect(
      summaryOf(
        item('TopUpRequested', { topUpId: 't-1', credits: '105', balance: '45', belowCredits: '50' }),
      ),
    ).toBe('top-up t-1 requested: 105 credits (balance 45 below 50)');
    expect(summaryOf(item('AutoTopUpDisabled', { failuresInARow: 3 }))).toBe(
      'auto top-up turned itself off after 3 failures in a row',
    );
  });
});

describe('organisations on the console', () => {
  const member = (limit: string | null, limitSource: 'member' | 'group' | 'default' | null) => ({
    accountId: 'acct-1',
    group: 'eng',
    spentThisMonth: '10',
    limit,
    limitSource,
    remainingThisMonth: limit,
  });
  const request = {
    requestId: 'cr-1',
    accountId: 'acct-1',
    credits: '20.5',
    note: null,
    status: 'pending' as const,
  };

  it('reads a limit from the form: empty clears, a decimal the API takes is kept, anything else is refused', () => {
    expect(limitOfInput('  ')).toEqual({ ok: true, value: null });
    expect(limitOfInput(' 80 ')).toEqual({ ok: true, value: '80' });
    expect(limitOfInput('0')).toEqual({ ok: true, value: '0' });
    expect(limitOfInput('12.123456')).toEqual({ ok: true, value: '12.123456' });
    expect(limitOfInput('1000000000')).toEqual({ ok: true, value: '1000000000' });
    for (const bad of ['eighty', '-1', '1.1234567', '1e3', '1000000001', '12,5'])
      expect({ bad, ...limitOfInput(bad) }).toEqual({ bad, ok: false });
  });

  it('puts each level at its own path, ids encoded, and says in full what will change', () => {
    const org = 'org/1';
    expect(limitPath({ organizationId: org, level: 'default', creditsPerMonth: '1' })).toBe(
      '/v1/organizations/org%2F1/spend-limits/default',
    );
    expect(limitPath({ organizationId: 'o', level: 'group', key: 'eng ops', creditsPerMonth: '1' })).toBe(
      '/v1/organizations/o/spend-limits/groups/eng%20ops',
    );
    expect(limitPath({ organizationId: 'o', level: 'member', key: 'a:b', creditsPerMonth: null })).toBe(
      '/v1/organizations/o/spend-limits/members/a%3Ab',
    );
    expect(
      describeLimitChange({ organizationId: 'o', level: 'group', key: 'eng', creditsPerMonth: '80' }),
    ).toBe('Set the limit of group “eng” of organisation o to 80 credits a month per member.');
    expect(
      describeLimitChange({ organizationId: 'o', level: 'member', key: 'a', creditsPerMonth: null }),
    ).toBe(
      'Clear the own limit of member a of organisation o: the next level down applies (unlimited if none is set).',
    );
    expect(limitText(null, null)).toBe('unlimited');
    expect(limitText('60', 'group')).toBe('60 (group limit)');
  });

  it('adds credit amounts exactly (micro-credits in bigint), as the ledger spells them', () => {
    expect(creditsOf(microOf('0.1') + microOf('0.2'))).toBe('0.3');
    expect(creditsOf(microOf('999999999.999999') + microOf('0.000001'))).toBe('1000000000');
    expect(creditsOf(microOf('80') + microOf('20.5'))).toBe('100.5');
    expect(() => microOf('1.1234567')).toThrow('not a credit amount');
  });

  it('says what approving does: effective limit plus the amount this month, nothing from unlimited', () => {
    expect(approvalEffect(request, member('80', 'group'))).toBe(
      "acct-1's limit this month goes from 80 (group limit) to 100.5 credits, as its own limit for this month only.",
    );
    expect(approvalEffect(request, member(null, null))).toBe(
      'acct-1 has no limit (unlimited): approving records the decision and changes no limit.',
    );
    expect(approvalEffect(request, undefined)).toContain('acct-1 is not a member now');
    const decided = { ...request, requestId: 'cr-0', status: 'approved' as const };
    expect(requestsInOrder([decided, request]).map((r) => r.requestId)).toEqual(['cr-1', 'cr-0']);
  });

  it("shows an account's spending cap as the API gives it", () => {
    expect(spendingCapText({ creditsPerMonth: null, spentThisMonth: '0' })).toBe('none (0 spent this month)');
    expect(spendingCapText({ creditsPerMonth: '50', spentThisMonth: '12.5' })).toBe(
      '50 (12.5 spent this month)',
    );
    expect(spendingCapText(null)).toBe('none');
  });
});

describe('webhook deliveries on the console', () => {
  it('says where a delivery stands: queued, retrying after an answer or an error, delivered, failed', () => {
    const d = { status: 'pending', attempts: 0, lastStatusCode: null, lastError: null, nextAttemptAt: null };
    expect(deliveryStateText(d)).toBe('pending · queued, not attempted yet');
    expect(
      deliveryStateText({
        ...d,
        attempts: 1,
        lastStatusCode: 500,
        nextAttemptAt: '2026-11-01T00:00:06.000Z',
      }),
    ).toBe('pending · 1 attempt, last answer 500, next 2026-11-01 00:00:06 UTC');
    expect(
      deliveryStateText({
        ...d,
        attempts: 3,
        lastError: 'timeout',
        nextAttemptAt: '2026-11-01T00:10:00.000Z',
      }),
    ).toBe('pending · 3 attempts, last error: timeout, next 2026-11-01 00:10:00 UTC');
    expect(deliveryStateText({ ...d, status: 'delivered', attempts: 2, lastStatusCode: 200 })).toBe(
      'delivered · 2 attempts, last answer 200',
    );
    expect(
      deliveryStateText({ ...d, status: 'failed', attempts: 17, lastStatusCode: 503, nextAttemptAt: null }),
    ).toBe('failed · 17 attempts, last answer 503');
  });
});

describe('organisation events in a timeline', () => {
  const item = (type: string, data: Record<string, unknown>): TimelineItem => ({
    position: '1',
    revision: 1,
    type,
    recordedAt: '2026-11-01T10:00:00.000Z',
    data,
    stateAfter: { plan: 'business', spendingCap: null, balance: '0', windows: [], grants: [] },
  });

  it('names the pool, limit, request and member-spend events in the words support uses', () => {
    expect(
      summaryOf(
        item('SpendLimitSet', { level: 'default', key: null, creditsPerMonth: null, previous: '100' }),
      ),
    ).toBe('default limit: 100 → cleared');
    expect(
      summaryOf(
        item('CreditRequestApproved', {
          requestId: 'cr-1',
          accountId: 'a',
          month: '2026-11',
          limitBefore: '80',
          override: '100',
        }),
      ),
    ).toBe("request cr-1 approved: a's limit for 2026-11 80 → 100");
    expect(
      summaryOf(
        item('MemberSpendRejected', {
          usageId: 'u-1',
          accountId: 'a',
          reason: 'member_limit_reached',
          limitSource: 'group',
          limit: '60',
          requiredCredits: '9',
        }),
      ),
    ).toBe('u-1: pool refused a (member_limit_reached, group limit 60, needed 9)');
    expect(summaryOf(item('MemberSpendExpired', { usageId: 'u-2', accountId: 'a' }))).toBe(
      'u-2: pool reservation for a expired',
    );
    expect(summaryOf(item('JoinedOrganization', { organizationId: 'o', group: 'eng' }))).toBe(
      'joined organisation o (group eng)',
    );
  });

  it('has no windows line for an organisation, whose state has no windows', () => {
    expect(windowsLine(undefined)).toBe('—');
  });
});
