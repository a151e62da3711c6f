import { overageCredits, type Credits } from './credits';
import type { Operation } from './rate-card';

export interface UsagePrice {
  readonly units: number;
  readonly allowanceUnits: number;
  readonly overageUnits: number;
  readonly overageCredits: Credits;
}

/**
 * Splits a usage between allowance and credits (SPEC §2 "Recording usage" 2–3): units =
 * quantity × unitsPerQuantity; the allowance covers min(units, allowance left); the rest is
 * overage priced by `overageCredits` (rounded up to the micro-credit).
 */
export function priceUsage(operation: Operation, quantity: number, allowanceLeft: number): UsagePrice {
  const units = quantity * operation.unitsPerQuantity;
  const allowanceUnits = Math.min(units, allowanceLeft);
  const overageUnits = units - allowanceUnits;
  return {
    units,
    allowanceUnits,
    overageUnits,
    overageCredits: overageCredits(
      overageUnits,
      operation.unitsPerQuantity,
      operation.creditsPerQuantity,
      quantity,
    ),
  };
}
