import {
  type Static,
  type TBoolean,
  type TObject,
  type TOptional,
  type TSchema,
  type TString,
  Type,
} from 'typebox';
import { Value } from 'typebox/value';
import type { ConfigResult } from '../contract.js';

function makeEventNames<T extends TSchema>(name: T) {
  return Type.Object(
    {
      PageVisit: Type.Optional(name),
      ViewContent: Type.Optional(name),
      Search: Type.Optional(name),
      AddToCart: Type.Optional(name),
      AddToWishlist: Type.Optional(name),
      Purchase: Type.Optional(name),
      Lead: Type.Optional(name),
      SignUp: Type.Optional(name),
      Custom: Type.Optional(name),
    },
    {
      additionalProperties: false,
      description: 'Platform event name per event type; must match what the browser pixel sends.',
    },
  );
}

/** The TypeBox type of the override object, keyed by event type so config types keep the exact keys. */
export type EventNamesSchema<T extends TSchema> = ReturnType<typeof makeEventNames<T>>;

/**
 * The `eventNames` override object: one optional key per event type, so a typo in a key (`purchase`)
 * is an error instead of a silently ignored override. `name` is the schema of one override value.
 */
export function eventNamesSchema<T extends TSchema>(name: T): EventNamesSchema<T> {
  return makeEventNames(name);
}

/** The fields every destination config has besides its own. */
export function commonFields<T extends TSchema>(
  eventName: T,
): { enabled: TOptional<TBoolean>; eventNames: TOptional<EventNamesSchema<T>> } {
  return {
    enabled: Type.Optional(Type.Boolean({ description: 'Deliver to this destination (default true).' })),
    eventNames: Type.Optional(eventNamesSchema(eventName)),
  };
}

/** A non-empty printable string without whitespace: ids and tokens pasted into a form. */
export function credentialString(options: {
  description: string;
  secret?: boolean;
  pattern?: string;
}): TString {
  return Type.String({ minLength: 1, maxLength: 4096, pattern: options.pattern ?? '^\\S+$', ...options });
}

/** Names of the config fields a schema marks `secret: true` (sealed at rest, shown only masked). */
export function secretFields(schema: TObject): string[] {
  return Object.entries(schema.properties)
    .filter(([, property]) => (property as { secret?: unknown }).secret === true)
    .map(([name]) => name);
}

/**
 * Validate a raw config against its schema. Top-level strings are trimmed first (tokens pasted with a
 * trailing newline are the most common config mistake); errors name the field.
 */
export function parseConfigWith<S extends TObject>(schema: S, raw: unknown): ConfigResult<Static<S>> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, errors: ['config must be a JSON object'] };
  }
  const trimmed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw))
    trimmed[key] = typeof value === 'string' ? value.trim() : value;
  if (Value.Check(schema, trimmed)) return { ok: true, config: trimmed };
  const errors = Value.Errors(schema, trimmed).map((error) => {
    const path = error.instancePath === '' ? 'config' : error.instancePath.slice(1).replaceAll('/', '.');
    return `${path}: ${error.message}`;
  });
  return { ok: false, errors: [...new Set(errors)] };
}
