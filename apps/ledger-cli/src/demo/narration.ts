import type { UsageAnswer, WindowView } from './demo-client';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `Mon 11-02 09:30`: the story's clock, in UTC. */
export function storyTime(iso: string): string {
  const d = new Date(iso);
  return `${WEEKDAYS[d.getUTCDay()]} ${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/** Prints the story: one line per thing that happens, and a heading when the day changes. */
export class Narrator {
  private day = '';
  private now = '';

  constructor(private readonly write: (line: string) => void) {}

  chapter(title: string): void {
    this.write(`\n== ${title}\n`);
  }

  clock(iso: string): void {
    this.now = iso;
    const day = iso.slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.write(`\n  ${storyTime(iso).slice(0, 9)}\n`);
    }
  }

  say(who: string, what: string, result = ''): void {
    const time = this.now.slice(11, 16);
    this.write(`    ${time}  ${who.padEnd(14)} ${what.padEnd(40)} ${result}`.trimEnd() + '\n');
  }

  /** A second line under the result of the last `say`. */
  detail(text: string): void {
    this.write(`${' '.repeat(4 + 5 + 2 + 14 + 1 + 40 + 1)}${text}\n`);
  }

  note(text: string): void {
    this.write(`           ${text}\n`);
  }

  raw(text: string): void {
    this.write(text);
  }
}

export function usageResult(answer: UsageAnswer, status: number): string {
  if (answer.outcome === 'rejected') {
    const wait = answer.resetsAt ? `, allowance back ${storyTime(answer.resetsAt)}` : '';
    return `✗ ${status} ${answer.reason}: needs ${answer.requiredCredits} credits${wait}`;
  }
  const parts: string[] = [];
  if (answer.charged.allowanceUnits > 0) parts.push(`${answer.charged.allowanceUnits} allowance units`);
  if (answer.charged.credits !== '0') {
    const grants = answer.charged.allocations.map((a) => `${a.credits} from ${a.grantId}`).join(', ');
    parts.push(`${answer.charged.credits} credits (${grants})`);
  }
  return `✓ ${parts.join(' + ') || 'free'}`;
}

/** `codex 5h 150/150, weekly 150/1500 · balance 75` */
export function stateAfter(answer: UsageAnswer, product: string): string {
  const windows = answer.windows.filter((w: WindowView) => w.product === product);
  const text = windows.map((w) => `${w.window} ${w.used}/${w.limit}`).join(', ');
  return `${product} ${text || 'no allowance'} · balance ${answer.credits.balance}`;
}
