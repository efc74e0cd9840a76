/**
 * JSON Schema validation with two Ajv instances: bodies are validated strictly (a string is never coerced
 * into a number: "wrong types rejected"), query strings and params are coerced (they only carry strings).
 */
import { _, Ajv, type ErrorObject, type KeywordCxt, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; its default export arrives as the module object under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  });
  addFormats(ajv);
  // TypeBox annotation keywords used by the OpenAPI document and the dashboard forms.
  ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });
  // Added to every string schema by withoutNul below.
  ajv.addKeyword({
    keyword: NO_NUL,
    type: 'string',
    schemaType: 'boolean',
    code(cxt: KeywordCxt) {
      cxt.fail(_`${cxt.data}.indexOf("\u0000") !== -1`);
    },
    error: { message: 'must not contain the NUL character (\\u0000)' },
  });
  // Page URLs the event log hands back to browsers: a `javascript:` or `data:` URL stored as sent would be a
  // link that runs script in the dashboard. Only http(s) is a page URL (an empty string stays "no URL").
  ajv.addKeyword({
    keyword: HTTP_URL,
    type: 'string',
    schemaType: 'boolean',
    code(cxt: KeywordCxt) {
      const head = _`${cxt.data}.slice(0, 8).toLowerCase()`;
      cxt.fail(_`${cxt.data} !== "" && !${head}.startsWith("http://") && !${head}.startsWith("https://")`);
    },
    error: { message: 'must be an http(s) URL' },
  });
  return ajv;
}

const NO_NUL = 'x-no-nul';
/** The keyword of a string that must be an http(s) URL when not empty (ingest's page URLs). */
export const HTTP_URL = 'x-http-url';

/**
 * The schema with every string refusing U+0000. JSON allows it, but PostgreSQL text cannot store it: one
 * such value used to fail the whole group commit it shared with other shops' requests. Refused at
 * validation, on every surface, it is the sender's 400 and nobody else's problem. A copy: the TypeBox
 * definitions stay as they are for the OpenAPI document.
 */
export function withoutNul(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutNul);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    // `const`, `enum`, `default` and `examples` hold values, not schemas.
    out[key] =
      key === 'const' || key === 'enum' || key === 'default' || key === 'examples'
        ? value
        : withoutNul(value);
  }
  const type = out.type;
  if (type === 'string' || (Array.isArray(type) && type.includes('string'))) out[NO_NUL] = true;
  return out;
}

const strict = makeAjv(false);
const coercing = makeAjv(true);

/** A validator for `schema`: strict for bodies, coercing for query strings and path parameters. */
export function compileValidator<T = unknown>(
  schema: object,
  options: { coerce: boolean },
): ValidateFunction<T> {
  return (options.coerce ? coercing : strict).compile<T>(withoutNul(schema) as object);
}

/** `/events/3/userData/email` → `events[3].userData.email`. */
export function fieldPath(instancePath: string, prefix = ''): string {
  const parts = instancePath.split('/').filter(Boolean);
  let out = prefix;
  for (const part of parts) out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  return out || '(body)';
}

/** The failing field, event index and reason of an Ajv error, for the error model's `details`. */
export function describeValidationError(error: ErrorObject): {
  field: string;
  index?: number;
  reason: string;
} {
  let path = error.instancePath;
  if (error.keyword === 'required')
    path += `/${(error.params as { missingProperty: string }).missingProperty}`;
  const field = fieldPath(path);
  const indexMatch = /^\/(?:events\/)?(\d+)(?:\/|$)/.exec(path);
  const reason = `${field} ${error.message ?? 'is invalid'}`;
  return indexMatch ? { field, index: Number(indexMatch[1]), reason } : { field, reason };
}
