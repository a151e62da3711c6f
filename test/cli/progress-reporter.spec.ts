import { ProgressReporter } from '../../apps/ledger-cli/src/output/progress-reporter';

function recorder(isTTY: boolean) {
  const chunks: string[] = [];
  return { stream: { isTTY, write: (chunk: string) => chunks.push(chunk) }, chunks };
}

describe('ProgressReporter', () => {
  it('writes a plain line every 10% when not on a terminal, with rate and ETA', () => {
    let now = 0;
    const { stream, chunks } = recorder(false);
    const progress = new ProgressReporter(stream, 'verify', 'events', () => now);
    progress.start(0n, 1_000n);
    for (let position = 50n; position <= 1_000n; position += 50n) {
      now += 100;
      progress.advance(position, 50);
    }
    progress.finish();
    expect(chunks).toHaveLength(10);
    expect(chunks[0]).toBe('verify: 10%  100 events  500/s  ETA 2s\n');
    expect(chunks[9]).toBe('verify: 100%  1,000 events  500/s  ETA 0s\n');
  });

  it('redraws one bar in place on a terminal, at most every 100 ms, and ends the line', () => {
    let now = 0;
    const { stream, chunks } = recorder(true);
    const progress = new ProgressReporter(stream, 'rebuild', 'events', () => now);
    progress.start(100n, 300n);
    now = 10;
    progress.advance(150n, 50); // too soon after the first draw
    now = 1_000;
    progress.advance(200n, 50);
    progress.finish();
    expect(chunks).toHaveLength(4);
    expect(chunks[0].startsWith(`\r\x1b[2Krebuild ${'░'.repeat(24)}   0%  0 events`)).toBe(true);
    expect(chunks[1]).toBe(
      `\r\x1b[2Krebuild ${'█'.repeat(12)}${'░'.repeat(12)}  50%  100 events  100/s  ETA 1s`,
    );
    expect(chunks[2]).toMatch(/█{24} 100%/);
    expect(chunks[3]).toBe('\n');
  });

  it('reports an empty job as done at once', () => {
    const { stream, chunks } = recorder(false);
    const progress = new ProgressReporter(stream, 'export', 'lines', () => 0);
    progress.start(5n, 5n);
    progress.finish();
    expect(chunks).toEqual(['export: 100%  0 lines  0/s  ETA 0s\n']);
  });
});
