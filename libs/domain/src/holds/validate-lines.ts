import { checkIntegerRange, type Faults } from '../account/validate';
import { MAX_QUANTITY } from '../ids';
import {
  operationChoices,
  operationOf,
  productChoices,
  productOf,
  type Operation,
  type RateCard,
} from '../rate-card';
import { MAX_HOLD_LINES, type HoldLine } from './commands';

/** A hold's (or a settlement's) lines: 1–100, each a known operation of the product and a quantity like usage. */
export function checkLines(
  faults: Faults,
  rateCard: RateCard,
  product: string,
  lines: unknown,
): readonly { line: HoldLine; operation: Operation }[] {
  if (!Array.isArray(lines) || lines.length === 0 || lines.length > MAX_HOLD_LINES) {
    faults.push({ field: 'lines', message: `must be 1–${MAX_HOLD_LINES} lines` });
    return [];
  }
  const priced: { line: HoldLine; operation: Operation }[] = [];
  (lines as HoldLine[]).forEach((line, i) => {
    const operation =
      typeof line?.operation === 'string' ? operationOf(rateCard, product, line.operation) : undefined;
    if (operation === undefined) {
      faults.push({ field: `lines[${i}].operation`, message: operationChoices(rateCard, product) });
    }
    checkIntegerRange(faults, `lines[${i}].quantity`, line?.quantity, 1, MAX_QUANTITY);
    if (operation !== undefined)
      priced.push({ line: { operation: line.operation, quantity: line.quantity }, operation });
  });
  return priced;
}

export function checkProduct(faults: Faults, rateCard: RateCard, product: unknown): void {
  const found = typeof product === 'string' ? productOf(rateCard, product) : undefined;
  if (found === undefined) faults.push({ field: 'product', message: productChoices(rateCard) });
  else if (found.retired)
    faults.push({ field: 'product', message: `product "${String(product)}" is retired` });
}
