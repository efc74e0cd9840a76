/** The store's API reached under the outbound policy for user-supplied URLs (private networks refused). */
import type { AppDeps } from '../app-deps.js';
import { ApiError } from '../errors.js';
import { getFromUserUrl } from '../lib/safe-url.js';
import type { StoreGet } from './store-orders.js';

/** A page of 250 Shopify orders can run to a few megabytes. */
const MAX_PAGE_CHARS = 16 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

export function storeGetter(deps: Pick<AppDeps, 'config'>): StoreGet {
  return async (url, headers) => {
    const res = await getFromUserUrl(url, {
      headers,
      timeoutMs: TIMEOUT_MS,
      policy: { allowPrivate: deps.config.management.allowPrivateNetworkTargets },
      maxBodyChars: MAX_PAGE_CHARS,
    });
    if (res.statusCode === null) {
      throw new ApiError('validation_failed', `The store could not be reached: ${res.error ?? 'no answer'}`, {
        field: 'store',
        reason: res.error ?? 'no answer',
      });
    }
    return { status: res.statusCode, headers: res.headers, body: res.body ?? '' };
  };
}
