import type { DestinationDeclaration } from './contract.js';
import { ga4 } from './ga4/index.js';
import { googleAds } from './google_ads/index.js';
import { meta } from './meta/index.js';
import { microsoft } from './microsoft/index.js';
import { pinterest } from './pinterest/index.js';
import { reddit } from './reddit/index.js';
import { snapchat } from './snapchat/index.js';
import { tiktok } from './tiktok/index.js';

/**
 * Every destination, in the order lists show them. Adding one is its folder, its import above and its name
 * here: the type names, config's URL variables, the fake platforms, `tagbridge dev`, the plugin mapping and
 * the tests over every destination all read this list (test/new-destination.test.ts keeps that true).
 */
const REGISTERED = [meta, tiktok, pinterest, snapchat, reddit, ga4, microsoft, googleAds] as const;

export type DestinationType = (typeof REGISTERED)[number]['type'];

export const DESTINATION_TYPES: readonly DestinationType[] = REGISTERED.map(
  (destination) => destination.type,
);

/**
 * Every destination, by type.
 *
 * `DestinationDeclaration<MetaConfig>` is assignable to `DestinationDeclaration<unknown>` because the
 * contract declares `isTestMode`, `build` and `classify` with method syntax, whose parameters TypeScript
 * checks bivariantly. That is sound here only because callers always pass a config obtained from the same
 * destination's `parseConfig` (the worker stores and re-parses it), never one from another type.
 */
export const destinations = Object.fromEntries(
  REGISTERED.map((destination) => [destination.type, destination]),
) as Record<DestinationType, DestinationDeclaration<unknown, DestinationType>>;

export function getDestination(type: DestinationType): DestinationDeclaration<unknown, DestinationType> {
  return destinations[type];
}

/** Narrow a stored or user-supplied type string (database rows, CLI arguments). */
export function isDestinationType(value: string): value is DestinationType {
  return (DESTINATION_TYPES as readonly string[]).includes(value);
}
