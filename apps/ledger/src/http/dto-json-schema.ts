import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

/** The JSON Schema a DTO class's class-validator decorators describe, for Ajv (see compiled-validation.ts). */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** A rule with no JSON Schema keyword of its own: Ajv calls class-validator's own constraint for it. */
export interface ConstraintCall {
  readonly metadata: ValidationMetadata;
  /** Valid when truthy, as class-validator reads it; a promise (an async rule) counts as invalid here. */
  check(value: unknown, object: object): boolean;
}

/** The keyword that carries a ConstraintCall (its index in `calls`). */
export const CONSTRAINT_KEYWORD = 'classValidatorRule';

export interface DtoJsonSchema {
  readonly schema: JsonSchema;
  readonly calls: readonly ConstraintCall[];
}

type DtoClass = new () => object;

/** The DTO class of a nested property (class-transformer's `@Type`), or undefined when it has none. */
export type NestedClassOf = (metatype: DtoClass, property: string) => DtoClass | undefined;

/**
 * The JSON Schema of a DTO, read from the same class-validator decorators the ValidationPipe runs
 * (which also feed OpenAPI through @nestjs/swagger): one source. It may refuse what class-validator
 * accepts (a body then takes the class-validator path), never the reverse. Undefined when a rule
 * cannot be said exactly (ValidateIf, groups, async rules, regex flags, a nested DTO without its
 * class): that DTO keeps class-validator alone. A nested DTO (`@ValidateNested()` with `@Type`) is
 * said as an array of its own schema only: class-validator also takes a single object there, which
 * the schema refuses (that body then takes the class-validator path).
 */
export function dtoJsonSchema(
  metatype: DtoClass,
  nestedClassOf: NestedClassOf = () => undefined,
): DtoJsonSchema | undefined {
  const calls: ConstraintCall[] = [];
  const schema = objectSchema(metatype, calls, nestedClassOf, new Set());
  return schema === undefined ? undefined : { schema, calls };
}

function objectSchema(
  metatype: DtoClass,
  calls: ConstraintCall[],
  nestedClassOf: NestedClassOf,
  enclosing: ReadonlySet<DtoClass>,
): JsonSchema | undefined {
  // A DTO that nests itself has no finite schema here.
  if (enclosing.has(metatype)) return undefined;
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(metatype, '', false, false, undefined);
  if (metadatas.length === 0) return undefined;
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const metadata of metadatas) {
    if ((metadata.groups?.length ?? 0) > 0 || metadata.always !== undefined) return undefined;
    byProperty.set(metadata.propertyName, [...(byProperty.get(metadata.propertyName) ?? []), metadata]);
  }
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [property, rules] of byProperty) {
    // ValidateIf depends on the rest of the object: only IsOptional is said in JSON Schema.
    const conditions = rules.filter((rule) => rule.type === ValidationTypes.CONDITIONAL_VALIDATION);
    if (!conditions.every(isOptionalRule)) return undefined;
    const optional = conditions.length > 0;
    const parts: JsonSchema[] = [];
    for (const rule of rules) {
      if (isOptionalRule(rule)) continue;
      const part =
        rule.type === ValidationTypes.NESTED_VALIDATION
          ? nestedSchema(metatype, property, calls, nestedClassOf, enclosing)
          : ruleSchema(rule, metatype.name, calls);
      if (part === undefined) return undefined;
      parts.push(part);
    }
    const checked: JsonSchema = { allOf: parts };
    // IsOptional skips every rule of a null or absent field; class-validator then keeps the null as is.
    properties[property] = optional ? { anyOf: [{ type: 'null' }, checked] } : checked;
    if (!optional) required.push(property);
  }
  // whitelist + forbidNonWhitelisted: a field without a rule is refused.
  return { type: 'object', properties, required, additionalProperties: false };
}

/** `@ValidateNested()` on an array of a nested DTO: each item an object of that DTO's schema. */
function nestedSchema(
  metatype: DtoClass,
  property: string,
  calls: ConstraintCall[],
  nestedClassOf: NestedClassOf,
  enclosing: ReadonlySet<DtoClass>,
): JsonSchema | undefined {
  const nested = nestedClassOf(metatype, property);
  if (nested === undefined) return undefined;
  const items = objectSchema(nested, calls, nestedClassOf, new Set([...enclosing, metatype]));
  return items === undefined ? undefined : { type: 'array', items };
}

function isOptionalRule(rule: ValidationMetadata): boolean {
  return rule.type === ValidationTypes.CONDITIONAL_VALIDATION && rule.name === 'isOptional';
}

/** One rule as JSON Schema: a keyword when it means exactly the rule, else a call of the rule itself. */
function ruleSchema(
  rule: ValidationMetadata,
  targetName: string,
  calls: ConstraintCall[],
): JsonSchema | undefined {
  if (rule.type !== ValidationTypes.CUSTOM_VALIDATION || rule.constraintCls === undefined) return undefined;
  const native = rule.each ? undefined : nativeSchema(rule);
  if (native !== undefined) return native;
  const call = constraintCall(rule, targetName);
  if (call === undefined) return undefined;
  calls.push(call);
  return { [CONSTRAINT_KEYWORD]: calls.length - 1 };
}

/**
 * Keywords that accept exactly what the rule accepts on a JSON value (`maxLength` refuses a little
 * more: Ajv counts U+FE0E/U+FE0F, validator.js does not).
 */
function nativeSchema(rule: ValidationMetadata): JsonSchema | undefined {
  const [first, second] = (rule.constraints ?? []) as unknown[];
  const isNumber = typeof first === 'number';
  switch (rule.name) {
    case 'isString':
      return { type: 'string' };
    case 'isInt':
      return { type: 'integer' };
    case 'isBoolean':
      return { type: 'boolean' };
    case 'isArray':
      return { type: 'array' };
    case 'isObject':
      return { type: 'object' };
    case 'min':
      return isNumber ? { type: 'number', minimum: first } : undefined;
    case 'max':
      return isNumber ? { type: 'number', maximum: first } : undefined;
    case 'maxLength':
      return isNumber ? { type: 'string', maxLength: first } : undefined;
    case 'arrayMinSize':
      return isNumber ? { type: 'array', minItems: first } : undefined;
    case 'arrayMaxSize':
      return isNumber ? { type: 'array', maxItems: first } : undefined;
    case 'matches':
      // Ajv builds the same RegExp without flags (unicodeRegExp: false in compiled-validation.ts).
      return first instanceof RegExp && first.flags === '' && second === undefined
        ? { type: 'string', pattern: first.source }
        : undefined;
    default:
      return undefined;
  }
}

/** class-validator's own constraint, called as its executor calls it (`each`: on every item of an array). */
function constraintCall(rule: ValidationMetadata, targetName: string): ConstraintCall | undefined {
  const constraints = getMetadataStorage().getTargetValidatorConstraints(rule.constraintCls);
  if (constraints.length === 0 || constraints.some((constraint) => constraint.async)) return undefined;
  const holds = (result: unknown): boolean =>
    Boolean(result) && typeof (result as { then?: unknown }).then !== 'function';
  return {
    metadata: rule,
    check(value, object) {
      const args: ValidationArguments = {
        targetName,
        property: rule.propertyName,
        object,
        value,
        constraints: rule.constraints,
      };
      const items = rule.each && Array.isArray(value) ? value : [value];
      return constraints.every((constraint) =>
        items.every((item: unknown) => holds(constraint.instance.validate(item, args))),
      );
    },
  };
}
