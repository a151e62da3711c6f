import Ajv, { type ValidateFunction } from 'ajv';
import { TransformationType } from 'class-transformer';
import { CONSTRAINT_KEYWORD, dtoJsonSchema, type ConstraintCall, type JsonSchema } from './dto-json-schema';

// class-transformer exports its metadata storage only from this path; the types are its own.
const { defaultMetadataStorage } =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');

type DtoClass = new () => object;

const compiled = new WeakMap<DtoClass, ValidateFunction>();
/** Per compiled DTO, its nested DTO properties (`@ValidateNested()` + `@Type`): their items are built as instances. */
const nestedProperties = new WeakMap<DtoClass, ReadonlyMap<string, DtoClass>>();

/**
 * Marks a DTO whose valid bodies skip class-transformer and class-validator (~7% of a usage request's
 * CPU): an Ajv function compiled from the same decorators says "valid", and the DTO is built as
 * class-transformer builds it. Whatever it refuses still goes through class-validator, so every 400
 * keeps its words. Compiled here, at load: a rule it cannot say exactly stops the start, not a request.
 */
export function CompiledValidation(): ClassDecorator {
  return (target) => {
    const metatype = target as unknown as DtoClass;
    compiled.set(metatype, compileDto(metatype));
  };
}

/**
 * The DTO the ValidationPipe would return for `value` (an instance of `metatype`, the fields in the
 * order of the body), when the compiled schema accepts it; undefined when `metatype` is not marked
 * or the schema refuses the value (class-validator then decides, and words the refusal).
 */
export function compiledDto<T extends object>(metatype: new () => T, value: unknown): T | undefined {
  const validate = compiled.get(metatype);
  if (validate === undefined || !validate(value)) return undefined;
  return built(metatype, value as Record<string, unknown>) as T;
}

/** The instance class-transformer would build from a value the schema accepted. */
function built(metatype: DtoClass, fields: Record<string, unknown>): object {
  const dto = new metatype() as Record<string, unknown>;
  const nested = nestedProperties.get(metatype);
  for (const key of Object.keys(fields)) {
    const inner = nested?.get(key);
    const field = fields[key];
    dto[key] =
      inner === undefined || !Array.isArray(field)
        ? field
        : field.map((item) => built(inner, item as Record<string, unknown>));
  }
  return dto;
}

/** Whether `metatype` has a compiled schema (tests and the micro-benchmark). */
export function hasCompiledValidation(metatype: DtoClass): boolean {
  return compiled.has(metatype);
}

function compileDto(metatype: DtoClass): ValidateFunction {
  const described = dtoJsonSchema(metatype, nestedClassOf);
  if (described === undefined || !copiesPlainly(metatype, described.schema))
    throw new Error(`${metatype.name}: a rule has no exact JSON Schema; remove @CompiledValidation()`);
  const ajv = new Ajv({
    // class-validator's RegExps have no flags; Ajv would add `u`.
    unicodeRegExp: false,
    ownProperties: true,
    allErrors: false,
    strict: true,
  });
  const calls: readonly ConstraintCall[] = described.calls;
  ajv.addKeyword({
    keyword: CONSTRAINT_KEYWORD,
    schemaType: 'number',
    errors: false,
    validate: (index: number, data: unknown, _schema: unknown, cxt?: { parentData?: unknown }) =>
      calls[index].check(data, (cxt?.parentData ?? {}) as object),
  });
  return ajv.compile(described.schema);
}

/** A nested DTO property's class: class-transformer's `@Type(() => Dto)`, when it names a class. */
function nestedClassOf(metatype: DtoClass, property: string): DtoClass | undefined {
  const type = defaultMetadataStorage.findTypeMetadata(metatype, property);
  const target = type?.typeFunction();
  return typeof target === 'function' && target !== Object ? (target as DtoClass) : undefined;
}

/**
 * class-transformer copies each field as it is when the class has no decorators of its own (or only
 * `@Type(() => Object)`, which copies a plain value into an equal one): the DTO can then be built
 * by assigning the fields. A nested DTO's array (`@Type(() => Dto)`, the schema says an array of
 * objects) is built item by item, when that DTO copies plainly too.
 */
function copiesPlainly(metatype: DtoClass, schema: JsonSchema): boolean {
  const storage = defaultMetadataStorage;
  if (storage.getStrategy(metatype) !== 'none') return false;
  if (storage.getExposedMetadatas(metatype).length > 0 || storage.getExcludedMetadatas(metatype).length > 0)
    return false;
  const properties = schema.properties as Record<string, JsonSchema>;
  const nested = new Map<string, DtoClass>();
  const plain = Object.keys(properties).every((property) => {
    const transforms = storage.findTransformMetadatas(metatype, property, TransformationType.PLAIN_TO_CLASS);
    if (transforms.length > 0) return false;
    const type = storage.findTypeMetadata(metatype, property);
    if (type === undefined || type.typeFunction() === Object) return true;
    const inner = nestedClassOf(metatype, property);
    const items = nestedItemsOf(properties[property]);
    if (inner === undefined || items === undefined || !copiesPlainly(inner, items)) return false;
    nested.set(property, inner);
    return true;
  });
  if (plain && nested.size > 0) nestedProperties.set(metatype, nested);
  return plain;
}

/** The item schema of a property said as an array of a nested DTO (see dto-json-schema.ts), if it is one. */
function nestedItemsOf(property: JsonSchema): JsonSchema | undefined {
  const parts = (property.allOf ?? (property.anyOf as JsonSchema[] | undefined)?.[1]?.allOf) as
    JsonSchema[] | undefined;
  const items = parts?.find((part) => part.type === 'array' && typeof part.items === 'object')?.items;
  return items as JsonSchema | undefined;
}
