import type { Credits } from '../credits';

/**
 * The parsed, validated rate card (API.md "Rate card"). Prices are already micro-credits, so
 * nothing downstream parses a decimal string again. `rawCreditsPerQuantity` keeps the operator's
 * spelling for events.
 */
export interface Operation {
  /** Allowance cost per unit of quantity; 0 = credits only, never draws on the allowance. */
  readonly unitsPerQuantity: number;
  readonly creditsPerQuantity: Credits;
}

export interface Product {
  readonly retired: boolean;
  readonly operations: Readonly<Record<string, Operation>>;
}

export interface WindowRule {
  readonly name: string;
  readonly durationMs: number;
  readonly limitUnits: number;
}

export interface PlanProduct {
  readonly creditsAllowed: boolean;
  readonly windows: readonly WindowRule[];
}

export interface Plan {
  /**
   * Whether products the plan has no entry for may be paid with credits. Optional in the JSON
   * (default true: credits work across products, e.g. Sora for all users).
   */
  readonly creditsAllowed: boolean;
  readonly products: Readonly<Record<string, PlanProduct>>;
  /** `window.threshold` notifications (SPEC §8): ascending whole percents, default [80, 100]. */
  readonly alertThresholdsPercent: readonly number[];
}

export const DEFAULT_ALERT_THRESHOLDS_PERCENT: readonly number[] = [80, 100];

export interface RateCard {
  readonly version: string;
  /** ISO instant, informational: the shell decides which card is loaded. */
  readonly effectiveFrom: string | null;
  readonly credits: { readonly defaultExpiryDays: number };
  readonly products: Readonly<Record<string, Product>>;
  readonly plans: Readonly<Record<string, Plan>>;
}

export function productOf(rateCard: RateCard, product: string): Product | undefined {
  return Object.hasOwn(rateCard.products, product) ? rateCard.products[product] : undefined;
}

export function operationOf(rateCard: RateCard, product: string, operation: string): Operation | undefined {
  const found = productOf(rateCard, product);
  return found !== undefined && Object.hasOwn(found.operations, operation)
    ? found.operations[operation]
    : undefined;
}

/** Choices listed in one message: a rate card may name many operations; the rest are counted. */
const MAX_LISTED = 40;

/** "a, b, c" (and "… (n more)" past MAX_LISTED): the choices a refusal names, so a caller can fix it. */
export function choicesText(choices: readonly string[]): string {
  const listed = choices.slice(0, MAX_LISTED).join(', ');
  return choices.length > MAX_LISTED ? `${listed}, … (${choices.length - MAX_LISTED} more)` : listed;
}

/** What a field naming a plan may say: the plans of the card. */
export function planChoices(rateCard: RateCard): string {
  return `must be one of: ${choicesText(Object.keys(rateCard.plans))}`;
}

/** What a field naming a product may say: the products on sale (retired ones refuse new usage). */
export function productChoices(rateCard: RateCard): string {
  const live = Object.keys(rateCard.products).filter((name) => !rateCard.products[name].retired);
  return `must be one of: ${choicesText(live)}`;
}

/** What an operation of `product` (a product of the card) may be. */
export function operationChoices(rateCard: RateCard, product: string): string {
  return `must be one of for product "${product}": ${choicesText(Object.keys(rateCard.products[product].operations))}`;
}

export function planOf(rateCard: RateCard, plan: string): Plan | undefined {
  return Object.hasOwn(rateCard.plans, plan) ? rateCard.plans[plan] : undefined;
}

/**
 * What a plan grants for a product. A plan missing from the card (an operator removed it while
 * accounts still hold it) behaves like a plan with no entries: no allowance, credits allowed.
 */
export function planProductOf(rateCard: RateCard, plan: string, product: string): PlanProduct {
  const found = planOf(rateCard, plan);
  if (found !== undefined && Object.hasOwn(found.products, product)) return found.products[product];
  return { creditsAllowed: found?.creditsAllowed ?? true, windows: [] };
}
