import { parseCredits } from '../credits';
import { isValidId } from '../ids';
import { DAY_MS, parseIsoInstant } from '../time';
import {
  DEFAULT_ALERT_THRESHOLDS_PERCENT,
  type Operation,
  type Plan,
  type PlanProduct,
  type Product,
  type RateCard,
  type WindowRule,
} from './rate-card';

export interface RateCardFault {
  readonly path: string;
  readonly message: string;
}

export type ParseRateCardResult =
  | { readonly ok: true; readonly rateCard: RateCard }
  | { readonly ok: false; readonly errors: readonly RateCardFault[] };

/** Bounds units so quantity (≤ 1e9) × unitsPerQuantity stays an exact JS integer. */
const MAX_UNITS_PER_QUANTITY = 1_000_000;

/**
 * Bounds a window (SPEC §10): ten years is far beyond any allowance window, and keeps every window's
 * end (`now + durationMs`) a readable four-digit-year time for as long as the ledger's clock runs.
 */
export const MAX_WINDOW_DURATION_MS = 3_653 * DAY_MS;

type Obj = Readonly<Record<string, unknown>>;

/**
 * Validates the operator's rate card and names every fault by its JSON path, so a bad file is
 * refused at start with a message pointing at the line to fix. Unknown keys are faults too: a
 * misspelt "limitUnit" must not silently mean "no limit".
 */
export function parseRateCard(json: unknown): ParseRateCardResult {
  const errors: RateCardFault[] = [];
  const fault = (path: string, message: string): void => {
    errors.push({ path, message });
  };
  const root = object(json, '$', fault);
  if (root === undefined) return { ok: false, errors };
  onlyKeys(root, '$', ['version', 'effectiveFrom', 'credits', 'products', 'plans'], fault);

  const version = root.version;
  if (typeof version !== 'string' || version.trim() === '') fault('$.version', 'must be a non-empty string');
  let effectiveFrom: string | null = null;
  if (root.effectiveFrom !== undefined) {
    if (typeof root.effectiveFrom === 'string' && parseIsoInstant(root.effectiveFrom) !== null) {
      effectiveFrom = root.effectiveFrom;
    } else fault('$.effectiveFrom', 'must be an ISO-8601 instant with a zone, e.g. "2026-11-01T00:00:00Z"');
  }

  let defaultExpiryDays = 0;
  const credits = object(root.credits, '$.credits', fault);
  if (credits !== undefined) {
    onlyKeys(credits, '$.credits', ['defaultExpiryDays'], fault);
    defaultExpiryDays = integer(credits.defaultExpiryDays, '$.credits.defaultExpiryDays', 1, 36_500, fault);
  }

  const products: Record<string, Product> = {};
  for (const [name, value, path] of entries(root.products, '$.products', fault)) {
    const product = parseProduct(value, path, fault);
    if (product !== undefined) products[name] = product;
  }

  const plans: Record<string, Plan> = {};
  for (const [name, value, path] of entries(root.plans, '$.plans', fault)) {
    const plan = parsePlan(value, path, root.products, fault);
    if (plan !== undefined) plans[name] = plan;
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    rateCard: { version: version as string, effectiveFrom, credits: { defaultExpiryDays }, products, plans },
  };
}

type Fault = (path: string, message: string) => void;

function parseProduct(value: unknown, path: string, fault: Fault): Product | undefined {
  const product = object(value, path, fault);
  if (product === undefined) return undefined;
  onlyKeys(product, path, ['retired', 'operations'], fault);
  if (product.retired !== undefined && typeof product.retired !== 'boolean') {
    fault(`${path}.retired`, 'must be a boolean');
  }
  const operations: Record<string, Operation> = {};
  for (const [name, raw, opPath] of entries(product.operations, `${path}.operations`, fault)) {
    const op = object(raw, opPath, fault);
    if (op === undefined) continue;
    onlyKeys(op, opPath, ['unitsPerQuantity', 'creditsPerQuantity'], fault);
    const unitsPerQuantity = integer(
      op.unitsPerQuantity,
      `${opPath}.unitsPerQuantity`,
      0,
      MAX_UNITS_PER_QUANTITY,
      fault,
    );
    const price = typeof op.creditsPerQuantity === 'string' ? parseCredits(op.creditsPerQuantity) : null;
    if (price === null) {
      fault(`${opPath}.creditsPerQuantity`, 'must be a decimal string ≥ 0 with at most 6 fractional digits');
    }
    operations[name] = { unitsPerQuantity, creditsPerQuantity: price ?? 0n };
  }
  return { retired: product.retired === true, operations };
}

function parsePlan(value: unknown, path: string, products: unknown, fault: Fault): Plan | undefined {
  const plan = object(value, path, fault);
  if (plan === undefined) return undefined;
  onlyKeys(plan, path, ['creditsAllowed', 'products', 'alertThresholdsPercent'], fault);
  if (plan.creditsAllowed !== undefined && typeof plan.creditsAllowed !== 'boolean') {
    fault(`${path}.creditsAllowed`, 'must be a boolean');
  }
  const known = typeof products === 'object' && products !== null ? (products as Obj) : {};
  const entries_: Record<string, PlanProduct> = {};
  for (const [name, raw, productPath] of entries(plan.products, `${path}.products`, fault, true)) {
    if (!Object.hasOwn(known, name)) fault(productPath, `product "${name}" is not defined in $.products`);
    const entry = object(raw, productPath, fault);
    if (entry === undefined) continue;
    onlyKeys(entry, productPath, ['creditsAllowed', 'windows'], fault);
    if (typeof entry.creditsAllowed !== 'boolean')
      fault(`${productPath}.creditsAllowed`, 'must be a boolean');
    entries_[name] = {
      creditsAllowed: entry.creditsAllowed === true,
      windows: parseWindows(entry.windows, `${productPath}.windows`, fault),
    };
  }
  return {
    creditsAllowed: plan.creditsAllowed !== false,
    products: entries_,
    alertThresholdsPercent: parseThresholds(
      plan.alertThresholdsPercent,
      `${path}.alertThresholdsPercent`,
      fault,
    ),
  };
}

/** Whole percents 1–100, strictly ascending, at most 10; absent → [80, 100]. */
function parseThresholds(value: unknown, path: string, fault: Fault): readonly number[] {
  if (value === undefined) return DEFAULT_ALERT_THRESHOLDS_PERCENT;
  const ok =
    Array.isArray(value) &&
    value.length <= 10 &&
    value.every(
      (p, i) =>
        typeof p === 'number' &&
        Number.isInteger(p) &&
        p >= 1 &&
        p <= 100 &&
        (i === 0 || p > (value[i - 1] as number)),
    );
  if (!ok) {
    fault(path, 'must be at most 10 whole percents from 1 to 100, strictly ascending');
    return DEFAULT_ALERT_THRESHOLDS_PERCENT;
  }
  return value as number[];
}

function parseWindows(value: unknown, path: string, fault: Fault): WindowRule[] {
  if (!Array.isArray(value)) {
    fault(path, 'must be an array of windows');
    return [];
  }
  const seen = new Set<string>();
  return value.flatMap((raw: unknown, i): WindowRule[] => {
    const windowPath = `${path}[${i}]`;
    const w = object(raw, windowPath, fault);
    if (w === undefined) return [];
    onlyKeys(w, windowPath, ['name', 'durationMs', 'limitUnits'], fault);
    const name = typeof w.name === 'string' && w.name !== '' ? w.name : undefined;
    if (name === undefined) fault(`${windowPath}.name`, 'must be a non-empty string');
    else if (seen.has(name)) fault(`${windowPath}.name`, `duplicate window name "${name}"`);
    else seen.add(name);
    const durationMs = integer(w.durationMs, `${windowPath}.durationMs`, 1, MAX_WINDOW_DURATION_MS, fault);
    const limitUnits = integer(w.limitUnits, `${windowPath}.limitUnits`, 0, Number.MAX_SAFE_INTEGER, fault);
    return [{ name: name ?? '', durationMs, limitUnits }];
  });
}

function object(value: unknown, path: string, fault: Fault): Obj | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Obj;
  fault(path, 'must be an object');
  return undefined;
}

/** Keys of an object that must be non-empty names (ids), each with its JSON path. */
function entries(
  value: unknown,
  path: string,
  fault: Fault,
  allowEmpty = false,
): [string, unknown, string][] {
  const obj = object(value, path, fault);
  if (obj === undefined) return [];
  const keys = Object.keys(obj);
  if (keys.length === 0 && !allowEmpty) fault(path, 'must not be empty');
  return keys.flatMap((key): [string, unknown, string][] => {
    const keyPath = childPath(path, key);
    if (!isValidId(key)) {
      fault(keyPath, 'name must be 1–128 chars of [A-Za-z0-9._:-]');
      return [];
    }
    return [[key, obj[key], keyPath]];
  });
}

function onlyKeys(obj: Obj, path: string, allowed: readonly string[], fault: Fault): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fault(childPath(path, key), `unknown field (allowed: ${allowed.join(', ')})`);
  }
}

function integer(value: unknown, path: string, min: number, max: number, fault: Fault): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) return value;
  fault(path, `must be an integer from ${min} to ${max}`);
  return 0;
}

/** `$.a.b` for identifier-like keys, `$.a["gpt-5.5:input_tokens"]` otherwise, so every path is unambiguous. */
function childPath(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
