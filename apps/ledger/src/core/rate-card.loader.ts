import * as fs from 'node:fs';
import { parseRateCard, type RateCard } from '@ledger/domain';
import { ConfigError } from '../config/ledger-config';

/** Faults named in the one-line start error; the rest are counted. */
const FAULTS_SHOWN = 5;

/** Reads and validates the rate card at start; a bad card stops the ledger with every fault named by its path. */
export function loadRateCard(file: string): RateCard {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : code;
    throw new ConfigError(
      file,
      `cannot read the rate card (LEDGER_RATE_CARD): ${why ?? (error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, `the rate card is not JSON: ${(error as Error).message}`);
  }
  const parsed = parseRateCard(json);
  if (!parsed.ok) {
    const faults = parsed.errors.slice(0, FAULTS_SHOWN).map((e) => `${e.path}: ${e.message}`);
    const more = parsed.errors.length - FAULTS_SHOWN;
    if (more > 0) faults.push(`and ${more} more`);
    throw new ConfigError(file, `rate card refused: ${faults.join('; ')}`);
  }
  return parsed.rateCard;
}
