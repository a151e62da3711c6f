import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The reference model's own arithmetic and rate card reading. Deliberately written apart from
 * libs/domain (no import from it): a bug shared by model and decider would hide itself.
 */
export const MICRO = 1_000_000n;
export const DAY = 86_400_000;

/** "12.5" → 12_500_000n micro-credits; the generator only produces well-formed amounts. */
export function micro(decimal: string): bigint {
  const [whole, fraction = ''] = decimal.split('.');
  return BigInt(whole) * MICRO + BigInt(fraction.padEnd(6, '0'));
}

/** 12_500_000n → "12.5"; "0" for zero. */
export function decimal(amount: bigint): string {
  const whole = amount / MICRO;
  const fraction = (amount % MICRO).toString().padStart(6, '0').replace(/0+$/, '');
  return fraction === '' ? whole.toString() : `${whole}.${fraction}`;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** UTC calendar month as a comparable number. */
export function monthOf(ms: number): number {
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

export interface CardWindow {
  readonly name: string;
  readonly durationMs: number;
  readonly limitUnits: number;
}
export interface CardOperation {
  readonly unitsPerQuantity: number;
  readonly creditsPerQuantity: string;
}
export interface Card {
  readonly version: string;
  readonly credits: { readonly defaultExpiryDays: number };
  readonly products: Record<string, { retired?: boolean; operations: Record<string, CardOperation> }>;
  readonly plans: Record<
    string,
    { creditsAllowed?: boolean; products: Record<string, { creditsAllowed: boolean; windows: CardWindow[] }> }
  >;
}

/** The shipped rate card, read as plain JSON. */
export function loadCard(): Card {
  return JSON.parse(
    readFileSync(join(__dirname, '..', '..', '..', 'config', 'rate-card.json'), 'utf8'),
  ) as Card;
}

/** Stable JSON (sorted keys) for "is this the same payload". */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}
