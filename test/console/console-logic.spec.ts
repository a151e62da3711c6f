import * as fs from 'node:fs';
import * as path from 'node:path';
import { durationUntil, instantOfLocalInput, utc } from '../../apps/console/src/format';
import { replayedPerMille } from '../../apps/console/src/verify-progress';
import type { TimelineItem } from '../../apps/console/src/ledger-types';
import { chargeName, isCharge } from '../../apps/console/src/views/charges';
import { summaryOf, windowsLine } from '../../apps/console/src/views/event-summary';

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
  });

  it('shows units held beside used in the windows line, and a window only held in as open', () => {
    const w = { product: 'codex', used: 0, limit: 150, remaining: 145, resetsAt: null };
    expect(windowsLine([{ ...w, window: '5h', startedAt: null, held: 5 }])).toBe('codex 5h 0/150 (5 held)');
    expect(windowsLine([{ ...w, window: '5h', startedAt: null }])).toBe('no open windows');
  });
});
