/**
 * Match quality per platform: which identifiers a destination sends and what each is worth to its
 * matching (its declared `matchWeights`), so every delivery records what it carried and a score 0–10
 * (docs/diagnostics.md lists the weights; a test keeps that page and the declarations equal).
 */
import { destinations, isDestinationType } from './registry.js';
import { USER_DATA_KEYS, type UserData, type UserDataKey } from './types.js';

/** The identifiers a destination type uses (empty for a type Tagbridge cannot deliver to). */
export function identifiersOf(type: string): readonly UserDataKey[] {
  if (!isDestinationType(type)) return [];
  return Object.keys(destinations[type].matchWeights) as UserDataKey[];
}

/** The bit of a user-data key in `deliveries.sent_keys`: its position in USER_DATA_KEYS (31 keys at most). */
export function keyBit(key: UserDataKey): number {
  return 2 ** USER_DATA_KEYS.indexOf(key);
}

// The weights with their bits, once per type: this runs for every delivery of every event at ingest.
const WEIGHT_ENTRIES = new Map<string, Array<[UserDataKey, number, number]>>();
function weightEntries(type: string): Array<[UserDataKey, number, number]> {
  let entries = WEIGHT_ENTRIES.get(type);
  if (!entries) {
    entries = isDestinationType(type)
      ? (Object.entries(destinations[type].matchWeights) as Array<[UserDataKey, number]>).map(
          ([key, weight]): [UserDataKey, number, number] => [key, weight, keyBit(key)],
        )
      : [];
    WEIGHT_ENTRIES.set(type, entries);
  }
  return entries;
}

/**
 * What a delivery to `type` carries of `userData` (`sentKeys`, a bit per key) and its score: the weights
 * of those keys, at most 10.
 */
export function matchOf(type: string, userData: UserData): { sentKeys: number; score: number } {
  let sentKeys = 0;
  let score = 0;
  for (const [key, weight, bit] of weightEntries(type)) {
    if (userData[key] === undefined) continue;
    sentKeys += bit;
    score += weight;
  }
  return { sentKeys, score: Math.min(10, Math.round(score)) };
}
