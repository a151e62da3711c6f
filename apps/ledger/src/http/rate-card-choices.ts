import { operationOf, productOf, type RateCard } from '@ledger/domain';
import type { FieldError } from './validation';

/** What a field names in the loaded rate card; an operation is looked up in the product named beside it. */
export type RateCardName = 'plan' | 'product' | 'products' | 'operation';

const RATE_CARD_FIELDS = 'ledger:rate-card-fields';

interface RateCardField {
  readonly property: string;
  readonly names: RateCardName;
}

/**
 * Marks a DTO property whose value must be a name of the loaded rate card. The rate card is known only
 * once the app runs, so the check is the validation pipe's (rateCardFieldErrors), not a class-validator rule.
 */
export function RateCardChoice(names: RateCardName): PropertyDecorator {
  return (target, property) => {
    const inherited = (Reflect.getMetadata(RATE_CARD_FIELDS, target) as RateCardField[] | undefined) ?? [];
    Reflect.defineMetadata(RATE_CARD_FIELDS, [...inherited, { property: String(property), names }], target);
  };
}

/** Choices listed in one message: a rate card may name many operations; the rest are counted. */
const MAX_LISTED = 40;

export function choicesText(choices: readonly string[]): string {
  const listed = choices.slice(0, MAX_LISTED).join(', ');
  return choices.length > MAX_LISTED ? `${listed}, … (${choices.length - MAX_LISTED} more)` : listed;
}

/**
 * The rate-card fields of a validated DTO that name nothing in the card, each with the card's choices.
 * `skip` holds the fields class-validator already refused (a wrong type is reported once, by its rule).
 */
export function rateCardFieldErrors(
  dto: object,
  rateCard: RateCard,
  skip: ReadonlySet<string> = new Set(),
): FieldError[] {
  const fields = (Reflect.getMetadata(RATE_CARD_FIELDS, dto) as RateCardField[] | undefined) ?? [];
  const values = dto as Record<string, unknown>;
  const out: FieldError[] = [];
  for (const { property, names } of fields) {
    const value = values[property];
    if (skip.has(property) || value === undefined || value === null) continue;
    if (names === 'plan' && typeof value === 'string' && !Object.hasOwn(rateCard.plans, value)) {
      out.push(notAChoice(property, Object.keys(rateCard.plans)));
    } else if (names === 'product' && typeof value === 'string' && productOf(rateCard, value) === undefined) {
      out.push(notAChoice(property, liveProducts(rateCard)));
    } else if (names === 'products' && Array.isArray(value)) {
      value.forEach((product: unknown, i) => {
        if (typeof product === 'string' && productOf(rateCard, product) === undefined)
          out.push(notAChoice(`${property}.${i}`, liveProducts(rateCard)));
      });
    } else if (names === 'operation' && typeof value === 'string') {
      const product = values.product;
      // Only for a product of the card: an unknown product is reported once, on `product`.
      if (typeof product !== 'string' || productOf(rateCard, product) === undefined) continue;
      if (operationOf(rateCard, product, value) === undefined) {
        const operations = Object.keys(rateCard.products[product].operations);
        out.push(notAChoice(property, operations, ` for product "${product}"`));
      }
    }
  }
  return out;
}

function liveProducts(rateCard: RateCard): string[] {
  return Object.keys(rateCard.products).filter((name) => !rateCard.products[name].retired);
}

function notAChoice(field: string, choices: readonly string[], scope = ''): FieldError {
  return { field, message: `${field} must be one of${scope}: ${choicesText(choices)}` };
}
