import * as fs from 'node:fs';
import { parseRateCard, type RateCard } from '@ledger/domain';
import { ConfigError } from '../config/ledger-config';

/** Reads and validates the rate card at start; a bad card stops the ledger with every fault named by its path. */
export function loadRateCard(file: string): RateCard {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`rate card ${file}: ${(error as Error).message}`);
  }
  const parsed = parseRateCard(json);
  if (!parsed.ok) {
    const faults = parsed.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n');
    throw new ConfigError(`rate card ${file} is refused:\n${faults}`);
  }
  return parsed.rateCard;
}
