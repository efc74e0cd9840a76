/** Option parsing the `feed` commands share. */
import type { FeedFilters, FeedOverrides } from '../../feeds/definition.js';
import { type CliValues, UsageError } from '../context.js';

function jsonOption<T>(values: CliValues, name: 'filters' | 'overrides'): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as T;
  } catch {
    throw new UsageError(`--${name} must be a JSON object`);
  }
}

export const feedFilters = (values: CliValues): FeedFilters | undefined =>
  jsonOption<FeedFilters>(values, 'filters');
export const feedOverrides = (values: CliValues): FeedOverrides | undefined =>
  jsonOption<FeedOverrides>(values, 'overrides');
