import type { OutboundEvent } from '../contract.js';
import { normalizeIp } from '../normalize/ip.js';
import { isJsonObject, type JsonObject, toJson } from './json.js';

/**
 * The passthrough object as a fresh JSON object (never the caller's), or undefined when it is not an
 * object at all (then the event is skipped: there is nothing the platform could accept).
 */
export function passthroughObject(event: OutboundEvent): JsonObject | undefined {
  const copy = toJson(event.passthrough);
  return isJsonObject(copy) ? copy : undefined;
}

/**
 * The nested object at `key` of `parent`, created when missing. A non-object value there is left
 * alone (the browser script's shape wins) and undefined is returned so nothing is filled.
 */
export function childObject(parent: JsonObject, key: string): JsonObject | undefined {
  const existing = parent[key];
  if (existing === undefined || existing === null) {
    const created: JsonObject = {};
    parent[key] = created;
    return created;
  }
  return isJsonObject(existing) ? existing : undefined;
}

/**
 * Fill server-observed fields into the nested object `parent[key]` (created only when there is
 * something to fill), never overwriting what the browser script set.
 */
export function fillNested(
  parent: JsonObject,
  key: string,
  fields: Record<string, string | undefined>,
): void {
  const present = Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined);
  if (present.length === 0) return;
  const child = childObject(parent, key);
  if (child === undefined) return;
  for (const [field, value] of present) fillMissing(child, field, value);
}

/** Set `target[key]` only when the browser script did not provide it (or left it empty). */
export function fillMissing(target: JsonObject, key: string, value: string | undefined): void {
  if (value === undefined) return;
  const existing = target[key];
  if (existing === undefined || existing === null || existing === '') target[key] = value;
}

/** The server-observed client IP, validated; browsers cannot see their own public IP. */
export function clientIp(event: OutboundEvent): string | undefined {
  return event.userData.ipAddress === undefined ? undefined : normalizeIp(event.userData.ipAddress);
}
