import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_ALERT_THRESHOLDS_PERCENT, parseRateCard } from '@ledger/domain';

/** `window.threshold` percents of a plan (the rate card's `alertThresholdsPercent`). */
export type ThresholdsOf = (plan: string | null) => readonly number[];

function shippedRateCard(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'config', 'rate-card.json');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return path.join(process.cwd(), 'config', 'rate-card.json');
  }
}

let loaded: ThresholdsOf | null = null;

/**
 * The thresholds of the rate card the ledger runs with: `LEDGER_RATE_CARD`, else the shipped one —
 * the same file in the server, the projection thread, rebuilds and verification (they share the
 * process environment). Read once. A card the ledger would refuse at start is refused here too.
 */
export function rateCardThresholds(): ThresholdsOf {
  if (loaded !== null) return loaded;
  const file = process.env.LEDGER_RATE_CARD
    ? path.resolve(process.env.LEDGER_RATE_CARD)
    : shippedRateCard(__dirname);
  const parsed = parseRateCard(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.ok) throw new Error(`notifications: the rate card ${file} is refused`);
  const plans = parsed.rateCard.plans;
  loaded = (plan) =>
    plan !== null && Object.hasOwn(plans, plan)
      ? plans[plan].alertThresholdsPercent
      : DEFAULT_ALERT_THRESHOLDS_PERCENT;
  return loaded;
}
