/**
 * Reads a WooCommerce catalogue one page at a time (clients.md §2.1–2.2): the store's currency and weight
 * unit first, then `GET /wp-json/wc/v3/products?status=publish&per_page=100&orderby=id&order=asc&page=N`
 * (incremental: `modified_after` the watermark), and after each products page the variations of its
 * variable products. Everything needed to go on is in the cursor (JSON, stored with each page), so a run
 * resumes at the page after the last one stored.
 *
 * Auth: Basic with the REST keys; when the store answers 401 to Basic (hosts that strip `Authorization`),
 * the keys go in the query string instead — from then on for the whole run, as the cursor remembers.
 */

import type { StoreCredentials } from '../orders/store-orders.js';
import type { StoreClient, StoreResponse } from './store-client.js';
import { CredentialsRefusedError, StoreUnavailableError } from './store-client.js';
import type { CatalogueItem } from './types.js';
import {
  isVariable,
  normalizeWooProduct,
  normalizeWooVariation,
  type WooContext,
  type WooProduct,
} from './woocommerce-normalize.js';

export const WOO_PER_PAGE = 100;

export interface WooCursor {
  platform: 'woocommerce';
  auth: 'basic' | 'query';
  /** Null until the store's settings were read. */
  context: WooContext | null;
  /** `modified_after` (ms) of an incremental run; null for a full run. */
  since: number | null;
  /** The next products page to read. */
  page: number;
  totalPages: number | null;
  /** Variable products of the pages read whose variations are still to read (what the variations need of them). */
  pending: WooProduct[];
  /** The next page of `pending[0]`'s variations. */
  variationPage: number;
}

export interface SourceStep<C> {
  items: CatalogueItem[];
  cursor: C;
  /** Store entries this step handled, and how the expected total changes (variations discovered). */
  done: number;
  totalDelta: number;
  /** The store's total, when this step learned it. */
  total?: number;
  finished: boolean;
}

export function initialWooCursor(
  credentials: Extract<StoreCredentials, { platform: 'woocommerce' }>,
  since: number | null,
): WooCursor {
  return {
    platform: 'woocommerce',
    auth: credentials.auth === 'query' ? 'query' : 'basic',
    context: null,
    since,
    page: 1,
    totalPages: null,
    pending: [],
    variationPage: 1,
  };
}

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 19);

/** The store's answer in its own words (`{code, message}`), for the channel's last error. */
export function wooError(response: StoreResponse): string {
  try {
    const parsed = JSON.parse(response.body) as { message?: unknown; code?: unknown };
    if (typeof parsed.message === 'string') return `${parsed.message} (HTTP ${response.status})`;
  } catch {
    // not JSON: the status says enough
  }
  return `the store answered HTTP ${response.status}`;
}

/** What a variation needs of its parent (the cursor keeps this, not the whole product). */
function parentOf(product: WooProduct): WooProduct {
  const keep = [
    'id',
    'name',
    'sku',
    'permalink',
    'description',
    'short_description',
    'categories',
    'attributes',
    'brands',
    'weight',
  ];
  const parent: WooProduct = Object.fromEntries(keep.filter((k) => k in product).map((k) => [k, product[k]]));
  parent.images = (Array.isArray(product.images) ? product.images : []).map((image: { src?: unknown }) => ({
    src: image.src,
  }));
  parent.meta_data = (Array.isArray(product.meta_data) ? product.meta_data : []).filter(
    (m: { key?: unknown }) => typeof m.key === 'string' && /brand|mpn|condition/i.test(m.key),
  );
  return parent;
}

export class WooCommerceSource {
  constructor(
    private readonly client: StoreClient,
    private readonly storeUrl: string,
    private readonly credentials: Extract<StoreCredentials, { platform: 'woocommerce' }>,
  ) {}

  private url(path: string, params: Record<string, string>, auth: WooCursor['auth']): string {
    const url = new URL(`${this.storeUrl.replace(/\/+$/, '')}/wp-json/wc/v3${path}`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    if (auth === 'query') {
      url.searchParams.set('consumer_key', this.credentials.consumerKey);
      url.searchParams.set('consumer_secret', this.credentials.consumerSecret);
    }
    return url.toString();
  }

  /** A GET with the cursor's auth, falling back from Basic to the query string on a 401. */
  private async get(
    cursor: WooCursor,
    path: string,
    params: Record<string, string>,
  ): Promise<{ response: StoreResponse; auth: WooCursor['auth'] }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (cursor.auth === 'basic') {
      const basic = Buffer.from(
        `${this.credentials.consumerKey}:${this.credentials.consumerSecret}`,
      ).toString('base64');
      const response = await this.client.send({
        method: 'GET',
        url: this.url(path, params, 'basic'),
        headers: { ...headers, authorization: `Basic ${basic}` },
      });
      if (response.status !== 401) return { response, auth: 'basic' };
    }
    const response = await this.client.send({ method: 'GET', url: this.url(path, params, 'query'), headers });
    return { response, auth: 'query' };
  }

  private refuse(response: StoreResponse): never {
    if (response.status === 401 || response.status === 403) {
      throw new CredentialsRefusedError(`The store refused the REST keys: ${wooError(response)}`);
    }
    throw new StoreUnavailableError(`Reading the store's catalogue failed: ${wooError(response)}`);
  }

  private static json(response: StoreResponse): unknown {
    try {
      return JSON.parse(response.body);
    } catch {
      throw new StoreUnavailableError(
        `The store answered with something that is not JSON (HTTP ${response.status})`,
      );
    }
  }

  /** The store's currency and weight unit (best effort: a key without settings access still syncs). */
  private async context(cursor: WooCursor): Promise<{ context: WooContext; auth: WooCursor['auth'] }> {
    const setting = async (group: string, id: string): Promise<string | null> => {
      const { response, auth } = await this.get(cursor, `/settings/${group}`, {});
      cursor = { ...cursor, auth };
      if (response.status !== 200) return null;
      const list = WooCommerceSource.json(response);
      if (!Array.isArray(list)) return null;
      const value = (list as Array<{ id?: unknown; value?: unknown }>).find((s) => s.id === id)?.value;
      return typeof value === 'string' && value !== '' ? value : null;
    };
    const currency = await setting('general', 'woocommerce_currency');
    const weightUnit = (await setting('products', 'woocommerce_weight_unit')) ?? 'kg';
    return { context: { currency, weightUnit }, auth: cursor.auth };
  }

  async step(cursor: WooCursor): Promise<SourceStep<WooCursor>> {
    if (cursor.context === null) {
      const { context, auth } = await this.context(cursor);
      return { items: [], cursor: { ...cursor, context, auth }, done: 0, totalDelta: 0, finished: false };
    }
    const context = cursor.context;
    const parent = cursor.pending[0];
    if (parent !== undefined) {
      const { response, auth } = await this.get(cursor, `/products/${String(parent.id)}/variations`, {
        per_page: String(WOO_PER_PAGE),
        page: String(cursor.variationPage),
        orderby: 'id',
        order: 'asc',
      });
      // The parent was deleted since its page was read: nothing more to read of it.
      const gone = response.status === 404 || (response.status === 400 && cursor.variationPage > 1);
      if (response.status !== 200 && !gone) this.refuse(response);
      const list = gone ? [] : WooCommerceSource.json(response);
      const variations = Array.isArray(list) ? (list as WooProduct[]) : [];
      const items = variations
        .filter((v) => (v.status ?? 'publish') === 'publish')
        .map((v) => normalizeWooVariation(v, parent, context));
      const pages = Number(response.headers['x-wp-totalpages'] ?? '1');
      const more = !gone && cursor.variationPage < pages && variations.length > 0;
      const totalDelta =
        cursor.variationPage === 1 && !gone ? Number(response.headers['x-wp-total'] ?? variations.length) : 0;
      return {
        items,
        cursor: {
          ...cursor,
          auth,
          pending: more ? cursor.pending : cursor.pending.slice(1),
          variationPage: more ? cursor.variationPage + 1 : 1,
        },
        done: variations.length,
        totalDelta,
        finished:
          !more &&
          cursor.pending.length === 1 &&
          cursor.totalPages !== null &&
          cursor.page > cursor.totalPages,
      };
    }
    if (cursor.totalPages !== null && cursor.page > cursor.totalPages) {
      return { items: [], cursor, done: 0, totalDelta: 0, finished: true };
    }
    const params: Record<string, string> = {
      status: 'publish',
      per_page: String(WOO_PER_PAGE),
      page: String(cursor.page),
      orderby: 'id',
      order: 'asc',
    };
    if (cursor.since !== null) {
      params.modified_after = iso(cursor.since);
      params.dates_are_gmt = 'true';
    }
    const { response, auth } = await this.get(cursor, '/products', params);
    // The catalogue shrank under a resumed run: the pages past its end are read.
    if (response.status === 400 && cursor.page > 1) {
      return {
        items: [],
        cursor: { ...cursor, auth, totalPages: cursor.page - 1 },
        done: 0,
        totalDelta: 0,
        finished: true,
      };
    }
    if (response.status !== 200) this.refuse(response);
    const list = WooCommerceSource.json(response);
    const products = Array.isArray(list) ? (list as WooProduct[]) : [];
    const totalPages = Number(response.headers['x-wp-totalpages'] ?? (products.length > 0 ? cursor.page : 0));
    const items: CatalogueItem[] = [];
    const pending: WooProduct[] = [];
    for (const product of products) {
      if ((product.status ?? 'publish') !== 'publish') continue;
      if (isVariable(product)) pending.push(parentOf(product));
      else {
        const item = normalizeWooProduct(product, context);
        if (item) items.push(item);
      }
    }
    const next: WooCursor = {
      ...cursor,
      auth,
      page: cursor.page + 1,
      totalPages,
      pending: [...cursor.pending, ...pending],
      variationPage: 1,
    };
    const step: SourceStep<WooCursor> = {
      items,
      cursor: next,
      // A variable product counts through its variations, not itself.
      done: products.length - pending.length,
      totalDelta: -pending.length,
      finished: next.pending.length === 0 && next.page > totalPages,
    };
    if (cursor.page === 1) step.total = Number(response.headers['x-wp-total'] ?? products.length);
    return step;
  }
}
