import type { OutputStream } from '../cli-io';
import { count, duration } from './text-format';

/** A terminal bar is redrawn at most this often; plain lines are written every this many percent. */
const REDRAW_INTERVAL_MS = 100;
const PLAIN_LINE_EVERY_PERCENT = 10;
const BAR_WIDTH = 24;

/**
 * Progress of long work (verify, rebuild, export) on stderr, so stdout stays clean for data:
 * on a terminal, one bar redrawn in place with rate and ETA; otherwise (CI, pipes, tests) a plain
 * line every 10%. Work is measured in log positions (what is known up front); the rate counts
 * the events actually processed.
 */
export class ProgressReporter {
  private startedAt = 0;
  private lastDrawAt = 0;
  private lastPercentLine = -1;
  private from = 0n;
  private total = 0n;
  private done = 0n;
  private events = 0;
  private active = false;

  constructor(
    private readonly stream: OutputStream,
    private readonly label: string,
    private readonly unit: string = 'events',
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Work runs from position `from` (exclusive) to `to` (inclusive). */
  start(from: bigint, to: bigint): void {
    this.from = from;
    this.total = to > from ? to - from : 0n;
    this.done = 0n;
    this.events = 0;
    this.startedAt = this.now();
    this.lastDrawAt = 0;
    // Plain lines start at the first 10%: a "0%" line says nothing in a log.
    this.lastPercentLine = 0;
    this.active = true;
    this.draw(true);
  }

  /** Reached log position `position`, having processed `events` more events. */
  advance(position: bigint, events: number): void {
    if (!this.active) return;
    const done = position - this.from;
    this.done = done > this.total ? this.total : done > this.done ? done : this.done;
    this.events += events;
    this.draw(false);
  }

  finish(): void {
    if (!this.active) return;
    this.done = this.total;
    this.draw(true);
    if (this.stream.isTTY) this.stream.write('\n');
    this.active = false;
  }

  private draw(force: boolean): void {
    const fraction = this.total === 0n ? 1 : Number((this.done * 10_000n) / this.total) / 10_000;
    const percent = Math.floor(fraction * 100);
    const now = this.now();
    if (this.stream.isTTY) {
      if (!force && now - this.lastDrawAt < REDRAW_INTERVAL_MS) return;
      this.lastDrawAt = now;
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
      this.stream.write(
        `\r\x1b[2K${this.label} ${bar} ${String(percent).padStart(3)}%  ${this.figures(fraction, now)}`,
      );
      return;
    }
    const step = Math.floor(percent / PLAIN_LINE_EVERY_PERCENT) * PLAIN_LINE_EVERY_PERCENT;
    if (step <= this.lastPercentLine) return;
    this.lastPercentLine = step;
    this.stream.write(`${this.label}: ${step}%  ${this.figures(fraction, now)}\n`);
  }

  private figures(fraction: number, now: number): string {
    const elapsed = now - this.startedAt;
    const rate = elapsed > 0 ? (this.events * 1000) / elapsed : 0;
    const eta = fraction >= 1 ? 0 : fraction > 0 ? (elapsed * (1 - fraction)) / fraction : Infinity;
    return `${count(this.events)} ${this.unit}  ${count(Math.round(rate))}/s  ETA ${duration(eta)}`;
  }
}
