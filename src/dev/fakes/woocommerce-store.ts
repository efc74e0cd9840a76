/**
 * A fake WooCommerce store's REST API (clients.md §2.1–2.2), for the catalogue and store-connection tests:
 * `GET /wp-json/wc/v3/products`, `/products/:id/variations`, `/settings/general|products`, with WordPress's
 * pagination (`per_page` ≤ 100, `page`, `X-WP-Total`, `X-WP-TotalPages`, `Link`), `status` and
 * `modified_after` filters, and WooCommerce's auth: Basic with the REST keys, or the query-string fallback
 * (`?consumer_key=&consumer_secret=`) for servers that strip `Authorization`. Wrong keys are answered 401
 * in WooCommerce's `{code, message, data:{status}}` envelope. Failures can be scripted (the next requests,
 * or every page after the first N: a sync killed half-way) and every request is logged.
 *
 * The store serves the documentation samples (test/fixtures/samples/woocommerce) unless given its own
 * products, plus `generated` simple products for volume tests.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeLocal, listenLocal } from '../../lib/local-server.js';

export type WooObject = Record<string, unknown>;

/** What a request met instead of the normal answer. */
export type WooFailure =
  | { kind: 'status'; status: number; retryAfter?: number; body?: unknown }
  /** Never answers (until the fake closes): a client timeout, or a sync killed while waiting. */
  | { kind: 'hang' }
  /** Closes the connection without an answer. */
  | { kind: 'destroy' };

export interface WooRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** How the request authenticated (`none`: neither way was offered or usable). */
  auth: 'basic' | 'query' | 'none';
  status: number;
  /** What answered instead of the store, if a scripted failure did. */
  injected?: WooFailure['kind'];
  at: number;
}

export interface FakeWooCommerceOptions {
  host?: string;
  port?: number;
  /** Default `ck_` + 40 × `a` / `cs_` + 40 × `b` (WooCommerce's key format). */
  consumerKey?: string;
  consumerSecret?: string;
  /** The store's products (default: the documentation sample's two). */
  products?: WooObject[];
  /** Variations by parent product id (default: the sample's two variations under the sample's variable product 799). */
  variations?: Record<string, WooObject[]>;
  /** Simple products appended to `products`, ids 100001…, for volume and pagination tests. */
  generated?: number;
  /** The server drops the `Authorization` header (some hosts do): only the query string authenticates. */
  rejectAuthorizationHeader?: boolean;
  /** `woocommerce_currency` in `/settings/general`. Default `USD`. */
  currency?: string;
  /** `woocommerce_weight_unit` in `/settings/products`. Default `kg`. */
  weightUnit?: string;
  now?: () => number;
}

export interface FakeWooCommerceStore {
  /** The store's base URL (what a shop owner enters), e.g. `http://127.0.0.1:40123`. */
  url: string;
  consumerKey: string;
  consumerSecret: string;
  /** Every request, in arrival order. */
  requests: WooRequest[];
  /** The product pages served with 200 (products and variations lists), e.g. to assert a resume skipped them. */
  pagesServed(): WooRequest[];
  /** The live product list (edit it, or use upsert/remove, between syncs). */
  products: WooObject[];
  variations: Record<string, WooObject[]>;
  /** Adds or replaces a product (by id); `date_modified_gmt` is set to `modifiedAt` when given. */
  upsertProduct(product: WooObject, modifiedAt?: number): void;
  removeProduct(id: number): void;
  /** Answers the next requests with these failures, in order. */
  failNext(...failures: WooFailure[]): void;
  /** After `pages` more product/variation pages are served, every further page request meets `failure`. */
  failAfterPages(pages: number, failure: WooFailure): void;
  /** Options that can change between tests. */
  setOptions(
    options: Pick<FakeWooCommerceOptions, 'rejectAuthorizationHeader' | 'currency' | 'weightUnit'>,
  ): void;
  /** Clears the log and every scripted failure. */
  reset(): void;
  close(): Promise<void>;
}

const SAMPLES = new URL('../../../test/fixtures/samples/woocommerce/', import.meta.url);

/** The documentation samples: two products (one variable, `price: ""`) and two variations. */
export function wooCommerceSamples(): { products: WooObject[]; variations: Record<string, WooObject[]> } {
  const products = JSON.parse(readFileSync(new URL('products-list.json', SAMPLES), 'utf8')) as WooObject[];
  const variations = JSON.parse(
    readFileSync(new URL('product-variations-list.json', SAMPLES), 'utf8'),
  ) as WooObject[];
  return { products, variations: { '799': variations } };
}

const gmt = (ms: number): string => new Date(ms).toISOString().slice(0, 19);

/** A simple, published, in-stock product like the sample's, with its own id, name and price. */
export function generatedWooProduct(index: number, modifiedAt = Date.UTC(2024, 0, 1)): WooObject {
  const id = 100_000 + index;
  const price = (10 + (index % 90) + 0.99).toFixed(2);
  return {
    id,
    name: `Generated product ${index}`,
    slug: `generated-product-${index}`,
    permalink: `https://shop.example.com/product/generated-product-${index}/`,
    date_modified_gmt: gmt(modifiedAt),
    type: 'simple',
    status: 'publish',
    description: `<p>Product number ${index} &amp; friends.</p>`,
    short_description: '',
    sku: `GEN-${index}`,
    price,
    regular_price: price,
    sale_price: '',
    date_on_sale_from_gmt: null,
    date_on_sale_to_gmt: null,
    on_sale: false,
    stock_status: index % 10 === 9 ? 'outofstock' : 'instock',
    weight: '0.5',
    categories: [{ id: 9, name: 'Clothing', slug: 'clothing' }],
    images: [{ id: id, src: `https://shop.example.com/wp-content/uploads/gen-${index}.jpg` }],
    attributes: [],
    variations: [],
    parent_id: 0,
    meta_data: [],
  };
}

const PRODUCTS = /^\/wp-json\/wc\/v3\/products\/?$/;
const VARIATIONS = /^\/wp-json\/wc\/v3\/products\/(\d+)\/variations\/?$/;
const SETTINGS = /^\/wp-json\/wc\/v3\/settings\/(general|products)\/?$/;

const wpError = (status: number, code: string, message: string): { status: number; body: unknown } => ({
  status,
  body: { code, message, data: { status } },
});

export async function startFakeWooCommerce(
  options: FakeWooCommerceOptions = {},
): Promise<FakeWooCommerceStore> {
  const now = options.now ?? Date.now;
  const consumerKey = options.consumerKey ?? `ck_${'a'.repeat(40)}`;
  const consumerSecret = options.consumerSecret ?? `cs_${'b'.repeat(40)}`;
  const samples = options.products === undefined ? wooCommerceSamples() : undefined;
  const products: WooObject[] = [...(options.products ?? samples?.products ?? [])];
  for (let i = 0; i < (options.generated ?? 0); i++) products.push(generatedWooProduct(i));
  const variations: Record<string, WooObject[]> = { ...(options.variations ?? samples?.variations ?? {}) };
  let settings = {
    rejectAuthorizationHeader: options.rejectAuthorizationHeader ?? false,
    currency: options.currency ?? 'USD',
    weightUnit: options.weightUnit ?? 'kg',
  };
  const requests: WooRequest[] = [];
  let queue: WooFailure[] = [];
  let pagesUntilFailure: number | null = null;
  let pageFailure: WooFailure | null = null;
  let origin = '';

  const authenticate = (
    req: IncomingMessage,
    query: Record<string, string>,
  ): { auth: WooRequest['auth']; error?: { status: number; body: unknown } } => {
    const header = settings.rejectAuthorizationHeader ? undefined : req.headers.authorization;
    let key: string | undefined;
    let secret: string | undefined;
    let auth: WooRequest['auth'] = 'none';
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      key = decoded.slice(0, colon < 0 ? undefined : colon);
      secret = colon < 0 ? '' : decoded.slice(colon + 1);
      auth = 'basic';
    } else if (query.consumer_key !== undefined) {
      key = query.consumer_key;
      secret = query.consumer_secret ?? '';
      auth = 'query';
    }
    if (key === undefined) {
      return {
        auth,
        error: wpError(401, 'woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.'),
      };
    }
    if (key !== consumerKey) {
      return {
        auth,
        error: wpError(401, 'woocommerce_rest_authentication_error', 'Consumer key is invalid.'),
      };
    }
    if (secret !== consumerSecret) {
      return {
        auth,
        error: wpError(401, 'woocommerce_rest_authentication_error', 'Consumer secret is invalid.'),
      };
    }
    return { auth };
  };

  /** One page of `items` with WordPress's headers, or its 400s. */
  const paginate = (
    path: string,
    query: Record<string, string>,
    items: WooObject[],
  ): { status: number; body: unknown; headers?: Record<string, string> } => {
    const perPage = query.per_page === undefined ? 10 : Number(query.per_page);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
      return wpError(400, 'rest_invalid_param', 'Invalid parameter(s): per_page');
    }
    const page = query.page === undefined ? 1 : Number(query.page);
    if (!Number.isInteger(page) || page < 1)
      return wpError(400, 'rest_invalid_param', 'Invalid parameter(s): page');
    let list = items;
    if (query.status !== undefined && query.status !== 'any')
      list = list.filter((p) => (p.status ?? 'publish') === query.status);
    if (query.modified_after !== undefined) {
      const after = Date.parse(`${query.modified_after.replace(/Z$/, '')}Z`);
      if (Number.isNaN(after))
        return wpError(400, 'rest_invalid_param', 'Invalid parameter(s): modified_after');
      list = list.filter((p) => Date.parse(`${String(p.date_modified_gmt ?? '')}Z`) > after);
    }
    const orderby = query.orderby ?? 'date';
    const desc = (query.order ?? 'desc') === 'desc';
    const keyOf = (p: WooObject): number =>
      orderby === 'id'
        ? Number(p.id)
        : Date.parse(
            `${String((orderby === 'modified' ? p.date_modified_gmt : p.date_created_gmt) ?? p.date_modified_gmt ?? '')}Z`,
          ) || Number(p.id);
    list = [...list].sort(
      (a, b) => (desc ? keyOf(b) - keyOf(a) : keyOf(a) - keyOf(b)) || Number(a.id) - Number(b.id),
    );
    const total = list.length;
    const totalPages = Math.ceil(total / perPage);
    if (page > 1 && page > totalPages) {
      return wpError(
        400,
        'rest_post_invalid_page_number',
        'The page number requested is larger than the number of pages available.',
      );
    }
    const link = (p: number): string => {
      const url = new URL(`${origin}${path}`);
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
      url.searchParams.set('page', String(p));
      return url.toString();
    };
    const links: string[] = [];
    if (page > 1) links.push(`<${link(page - 1)}>; rel="prev"`);
    if (page < totalPages) links.push(`<${link(page + 1)}>; rel="next"`);
    const headers: Record<string, string> = {
      'x-wp-total': String(total),
      'x-wp-totalpages': String(totalPages),
    };
    if (links.length > 0) headers.link = links.join(', ');
    return { status: 200, body: list.slice((page - 1) * perPage, page * perPage), headers };
  };

  const route = (
    req: IncomingMessage,
    path: string,
    query: Record<string, string>,
  ): {
    status: number;
    body: unknown;
    headers?: Record<string, string>;
    auth: WooRequest['auth'];
    page: boolean;
  } => {
    const { auth, error } = authenticate(req, query);
    if (req.method !== 'GET')
      return {
        ...wpError(404, 'rest_no_route', 'No route was found matching the URL and request method.'),
        auth,
        page: false,
      };
    if (!PRODUCTS.test(path) && !VARIATIONS.test(path) && !SETTINGS.test(path)) {
      return {
        ...wpError(404, 'rest_no_route', 'No route was found matching the URL and request method.'),
        auth,
        page: false,
      };
    }
    if (error) return { ...error, auth, page: false };
    if (SETTINGS.exec(path)?.[1] === 'products') {
      return {
        status: 200,
        body: [
          { id: 'woocommerce_weight_unit', label: 'Weight unit', value: settings.weightUnit },
          { id: 'woocommerce_dimension_unit', label: 'Dimensions unit', value: 'cm' },
        ],
        auth,
        page: false,
      };
    }
    if (SETTINGS.test(path)) {
      return {
        status: 200,
        body: [
          { id: 'woocommerce_default_country', label: 'Country and State', value: 'US:CA' },
          { id: 'woocommerce_currency', label: 'Currency', value: settings.currency },
          { id: 'woocommerce_price_num_decimals', label: 'Number of decimals', value: '2' },
        ],
        auth,
        page: false,
      };
    }
    const variationMatch = VARIATIONS.exec(path);
    if (variationMatch) {
      const parentId = variationMatch[1]!;
      if (!products.some((p) => String(p.id) === parentId)) {
        return { ...wpError(404, 'woocommerce_rest_product_invalid_id', 'Invalid ID.'), auth, page: false };
      }
      return { ...paginate(path, query, variations[parentId] ?? []), auth, page: true };
    }
    return { ...paginate(path, query, products), auth, page: true };
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const path = url.pathname;
    const entry: WooRequest = {
      method: req.method ?? 'GET',
      path,
      query,
      auth: 'none',
      status: 0,
      at: now(),
    };
    requests.push(entry);
    const isPage = PRODUCTS.test(path) || VARIATIONS.test(path);
    let failure = queue.shift();
    if (failure === undefined && isPage && pagesUntilFailure !== null && pageFailure !== null) {
      if (pagesUntilFailure <= 0) failure = pageFailure;
    }
    if (failure !== undefined) {
      entry.injected = failure.kind;
      if (failure.kind === 'hang') return; // closeAllConnections() ends it
      if (failure.kind === 'destroy') {
        req.socket.destroy();
        return;
      }
      entry.status = failure.status;
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=UTF-8' };
      if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
      res.writeHead(failure.status, headers);
      res.end(
        JSON.stringify(
          failure.body ?? {
            code: 'http_error',
            message: 'Scripted failure',
            data: { status: failure.status },
          },
        ),
      );
      return;
    }
    const answer = route(req, path, query);
    entry.auth = answer.auth;
    entry.status = answer.status;
    if (answer.page && answer.status === 200 && pagesUntilFailure !== null) pagesUntilFailure -= 1;
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=UTF-8', ...answer.headers });
    res.end(JSON.stringify(answer.body));
  });

  origin = await listenLocal(server, options);

  return {
    url: origin,
    consumerKey,
    consumerSecret,
    requests,
    pagesServed: () =>
      requests.filter((r) => r.status === 200 && (PRODUCTS.test(r.path) || VARIATIONS.test(r.path))),
    products,
    variations,
    upsertProduct(product, modifiedAt) {
      const next = modifiedAt === undefined ? product : { ...product, date_modified_gmt: gmt(modifiedAt) };
      const at = products.findIndex((p) => p.id === next.id);
      if (at >= 0) products[at] = next;
      else products.push(next);
    },
    removeProduct(id) {
      const at = products.findIndex((p) => p.id === id);
      if (at >= 0) products.splice(at, 1);
    },
    failNext(...failures) {
      queue.push(...failures);
    },
    failAfterPages(pages, failure) {
      pagesUntilFailure = pages;
      pageFailure = failure;
    },
    setOptions(next) {
      settings = { ...settings, ...next };
    },
    reset() {
      requests.length = 0;
      queue = [];
      pagesUntilFailure = null;
      pageFailure = null;
    },
    close: () => closeLocal(server),
  };
}
