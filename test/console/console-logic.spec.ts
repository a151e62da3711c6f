import { durationUntil, instantOfLocalInput, utc } from '../../apps/console/src/format';
import { replayedPerMille } from '../../apps/console/src/verify-progress';

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
