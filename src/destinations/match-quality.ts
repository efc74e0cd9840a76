/**
 * Match quality per platform: which identifiers a destination sends and what each is worth to its
 * matching (its declared `matchWeights`), so every delivery records what it carried and a score 0–10
 * (docs/diagnostics.md lists the weights; a test keeps that page and the declarations equal).
 */
import { destinations, isDestinationType } from './registry.js';
import type { UserData, UserDataKey } from './types.js';

/** The identifiers a destination type uses (empty for a type Tagbridge cannot deliver to). */
export function identifiersOf(type: string): readonly UserDataKey[] {
  if (!isDestinationType(type)) return [];
  return Object.keys(destinations[type].matchWeights) as UserDataKey[];
}

/** What a delivery to `type` carries of `userData`, and its score: the weights of those keys, at most 10. */
export function matchOf(type: string, userData: UserData): { keys: UserDataKey[]; score: number } {
  if (!isDestinationType(type)) return { keys: [], score: 0 };
  const weights = destinations[type].matchWeights;
  const keys: UserDataKey[] = [];
  let score = 0;
  for (const [key, weight] of Object.entries(weights) as Array<[UserDataKey, number]>) {
    if (userData[key] === undefined) continue;
    keys.push(key);
    score += weight;
  }
  return { keys, score: Math.min(10, Math.round(score)) };
}
