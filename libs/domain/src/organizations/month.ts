import { utcMonthOf, type EpochMs } from '../time';

/** Spend limits count by UTC calendar month: 'YYYY-MM' in events, months since year 0 in state. */
export function monthKeyOf(ms: EpochMs): string {
  return monthKeyOfNumber(utcMonthOf(ms));
}

export function monthKeyOfNumber(month: number): string {
  const year = Math.floor(month / 12);
  return `${String(year).padStart(4, '0')}-${String((month % 12) + 1).padStart(2, '0')}`;
}

/** For months this domain wrote itself: malformed is a corrupted log. */
export function monthNumberOf(key: string): number {
  const match = /^(\d{4})-(\d{2})$/.exec(key);
  if (match === null) throw new RangeError(`corrupted month in stored data: ${JSON.stringify(key)}`);
  return Number(match[1]) * 12 + Number(match[2]) - 1;
}
