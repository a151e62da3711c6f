import Ajv, { type ValidateFunction } from 'ajv';
import { TransformationType } from 'class-transformer';
import { CONSTRAINT_KEYWORD, dtoJsonSchema, type ConstraintCall } from './dto-json-schema';

// class-transformer exports its metadata storage only from this path; the types are its own.
const { defaultMetadataStorage } =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');

type DtoClass = new () => object;

const compiled = new WeakMap<DtoClass, ValidateFunction>();

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
  const dto = new metatype() as Record<string, unknown>;
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) dto[key] = fields[key];
  return dto as T;
}

/** Whether `metatype` has a compiled schema (tests and the micro-benchmark). */
export function hasCompiledValidation(metatype: DtoClass): boolean {
  return compiled.has(metatype);
}

function compileDto(metatype: DtoClass): ValidateFunction {
  const described = dtoJsonSchema(metatype);
  if (described === undefined || !copiesPlainly(metatype, Object.keys(described.schema.properties as object)))
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

/**
 * class-transformer copies each field as it is when the class has no decorators of its own (or only
 * `@Type(() => Object)`, which copies a plain value into an equal one): the DTO can then be built
 * by assigning the fields.
 */
function copiesPlainly(metatype: DtoClass, properties: readonly string[]): boolean {
  const storage = defaultMetadataStorage;
  if (storage.getStrategy(metatype) !== 'none') return false;
  if (storage.getExposedMetadatas(metatype).length > 0 || storage.getExcludedMetadatas(metatype).length > 0)
    return false;
  return properties.every((property) => {
    const type = storage.findTypeMetadata(metatype, property);
    const transforms = storage.findTransformMetadatas(metatype, property, TransformationType.PLAIN_TO_CLASS);
    return transforms.length === 0 && (type === undefined || type.typeFunction() === Object);
  });
}
