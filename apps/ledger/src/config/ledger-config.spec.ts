import { ConfigError, loadLedgerConfig } from './ledger-config';

describe('loadLedgerConfig: LEDGER_CLOCK_START (SPEC §10)', () => {
  const load = (start: string) => loadLedgerConfig({ LEDGER_CLOCK: 'simulated', LEDGER_CLOCK_START: start });

  it('takes an ISO-8601 instant with a zone', () => {
    expect(load('2026-11-01T00:00:00Z').clock).toEqual({ mode: 'simulated', start: '2026-11-01T00:00:00Z' });
  });

  it.each([
    '9999-12-31T23:59:59-01:00',
    '+010000-01-01T00:00:00Z',
    '9500-01-01T00:00:00Z',
    '1969-12-31T23:59:59Z',
    '2026-11-01',
    'Sat, 01 Nov 2026 00:00:00 GMT',
    'tomorrow',
  ])('refuses %s at start, naming the variable', (start) => {
    expect(() => load(start)).toThrow(ConfigError);
    expect(() => load(start)).toThrow(/LEDGER_CLOCK_START/);
  });
});

describe('loadLedgerConfig: LEDGER_SQLITE_WRITER', () => {
  it('commits on the request thread by default, on a writer thread when asked, and refuses anything else', () => {
    expect(loadLedgerConfig({}).sqliteWriter).toBe('inline');
    expect(loadLedgerConfig({ LEDGER_SQLITE_WRITER: 'thread' }).sqliteWriter).toBe('thread');
    expect(() => loadLedgerConfig({ LEDGER_SQLITE_WRITER: 'worker' })).toThrow(
      'LEDGER_SQLITE_WRITER: must be "thread" or "inline", got "worker"',
    );
  });
});
