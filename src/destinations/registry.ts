import { ga4 } from './ga4/index.js';
import { meta } from './meta/index.js';
import { microsoft } from './microsoft/index.js';
import { pinterest } from './pinterest/index.js';
import { reddit } from './reddit/index.js';
import { snapchat } from './snapchat/index.js';
import { tiktok } from './tiktok/index.js';
import { DESTINATION_TYPES, type Destination, type DestinationType } from './types.js';

/**
 * Every destination, by type. Adding one is a folder plus a line here; the `Record` makes the
 * compiler insist on an entry for every DestinationType.
 *
 * `Destination<MetaConfig>` is assignable to `Destination<unknown>` because the interface declares
 * `isTestMode`, `build` and `classify` with method syntax, whose parameters TypeScript checks
 * bivariantly. That is sound here only because callers always pass a config obtained from the same
 * destination's `parseConfig` (the worker stores and re-parses it), never one from another type.
 */
export const destinations: Record<DestinationType, Destination<unknown>> = {
  meta,
  tiktok,
  pinterest,
  snapchat,
  reddit,
  ga4,
  microsoft,
};

export function getDestination(type: DestinationType): Destination<unknown> {
  return destinations[type];
}

/** Narrow a stored or user-supplied type string (database rows, CLI arguments). */
export function isDestinationType(value: string): value is DestinationType {
  return (DESTINATION_TYPES as readonly string[]).includes(value);
}
