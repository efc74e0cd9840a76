import type { JsonValue } from '../contract.js';

export type JsonObject = { [key: string]: JsonValue };

/** Drop keys whose value is undefined, so optional platform fields are absent rather than null. */
export function compact(fields: Record<string, JsonValue | undefined>): JsonObject {
  const out: JsonObject = {};
  // for…in over a plain object literal visits its own keys in the same order as Object.entries, without
  // allocating an array of pairs per call (this runs several times per event).
  for (const key in fields) {
    const value = fields[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** `[value]` or undefined: the hashed-array fields (`em: [..]`) with nothing to send are omitted. */
export function listOf(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : [value];
}

/** An object with at least one key, else undefined (platforms reject empty `custom_data`). */
export function nonEmpty(object: JsonObject): JsonObject | undefined {
  return Object.keys(object).length > 0 ? object : undefined;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A deep JSON copy of untrusted data (passthrough events): drops undefined, functions and symbols,
 * turns non-finite numbers into null, so the body can be serialized and never aliases the input.
 */
export function toJson(value: unknown): JsonValue | undefined {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'object': {
      if (Array.isArray(value)) return value.map((item) => toJson(item) ?? null);
      const out: JsonObject = {};
      for (const [key, item] of Object.entries(value)) {
        const json = toJson(item);
        if (json !== undefined) out[key] = json;
      }
      return out;
    }
    default:
      return undefined;
  }
}
