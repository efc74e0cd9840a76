/**
 * A fake Shopify (clients.md §3.1, §3.4) for the store-connection and catalogue tests. One server plays
 * several shops: every path starts with the shop's host, so `SHOPIFY_SHOP_URL=http://127.0.0.1:PORT/{shop}`
 * sends Tagbridge here.
 * - `GET /{shop}/admin/oauth/authorize?client_id&scope&redirect_uri&state…`: the merchant approves at once;
 *   302 back to `redirect_uri` with `code, hmac, host, shop, state, timestamp`, the hmac computed as Shopify
 *   does (keys sorted, `k=v&…` through URLSearchParams, HMAC-SHA256 hex with the app secret).
 * - `POST /{shop}/admin/oauth/access_token {client_id, client_secret, code}`: single-use codes bound to the
 *   shop → `{access_token, scope}` (an offline token).
 * - `POST /{shop}/admin/api/<version>/graphql.json` with `X-Shopify-Access-Token`: `shop{…}` and
 *   `products(first, after, query)` with cursor pagination, Shopify's cost extension and a leaky bucket
 *   (`THROTTLED` when the query costs more than is available). The query text is not parsed: the answer
 *   holds every field the catalogue sync reads (see `productNode`).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeLocal, listenLocal } from '../../lib/local-server.js';

export type ShopifyObject = Record<string, unknown>;

export interface ShopifyRequest {
  method: string;
  shop: string;
  /** The path after the shop (`/admin/oauth/authorize`, `/admin/api/2026-10/graphql.json`). */
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  /** GraphQL variables, for the products queries. */
  variables?: Record<string, unknown>;
  throttled?: boolean;
  at: number;
}

export interface FakeShopOptions {
  /** REST-shaped products (the sample's shape; default: the documentation sample, the iPod Nano). */
  products?: ShopifyObject[];
  /** Generated products appended, ids 9000000001…, each with two variants. */
  generated?: number;
  currencyCode?: string;
  /** Whether products have an `onlineStoreUrl` (default true, `https://<shop>/products/<handle>`). */
  onlineStoreUrls?: boolean;
}

export interface FakeShopifyOptions {
  host?: string;
  port?: number;
  /** The app's client id and secret (SHOPIFY_API_KEY / SHOPIFY_API_SECRET). */
  apiKey?: string;
  apiSecret?: string;
  /** Shops by host (`demo.myshopify.com`); default: that one shop with the sample. */
  shops?: Record<string, FakeShopOptions>;
  /** The bucket: default Shopify's standard plan, 1000 points restoring 50 per second. */
  maximumAvailable?: number;
  restoreRate?: number;
  /** Cost of one product in a products query (it and its variants); the query itself costs 2. */
  costPerProduct?: number;
  /** The clock the bucket refills by (a test's manual clock). */
  now?: () => number;
}

export interface FakeShopify {
  /** The origin, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** The value for SHOPIFY_SHOP_URL: `${url}/{shop}`. */
  shopUrlTemplate: string;
  apiKey: string;
  apiSecret: string;
  requests: ShopifyRequest[];
  /** The GraphQL products queries answered with data (not throttled), e.g. to count pages. */
  productPages(shop?: string): ShopifyRequest[];
  /** Adds a shop (or replaces its products). */
  addShop(shop: string, options?: FakeShopOptions): void;
  /** Makes `token` a valid access token of `shop` (tests that skip OAuth). Returns it. */
  grantToken(shop: string, token?: string, scope?: string): string;
  /** Replaces the products (REST shape) of a shop; `updatedAt` stamps them. */
  setProducts(shop: string, products: ShopifyObject[]): void;
  products(shop: string): ShopifyObject[];
  /** Sets what the bucket holds now (e.g. 0 to force THROTTLED). */
  setAvailable(shop: string, points: number): void;
  /** Answers the next requests with these statuses (e.g. 503), in order. */
  failNext(...statuses: number[]): void;
  reset(): void;
  close(): Promise<void>;
}

const SAMPLES = new URL('../../../test/fixtures/samples/shopify/', import.meta.url);

/** The documentation sample product (REST shape, the iPod Nano with four variants). */
export function shopifySampleProduct(): ShopifyObject {
  return (JSON.parse(readFileSync(new URL('product.json', SAMPLES), 'utf8')) as { product: ShopifyObject })
    .product;
}

/** Shopify's OAuth hmac over a query (without `hmac`/`signature`), as shopify-api-js computes it. */
export function shopifyQueryHmac(params: Record<string, string>, secret: string): string {
  const keys = Object.keys(params)
    .filter((k) => k !== 'hmac' && k !== 'signature')
    .sort((a, b) => a.localeCompare(b));
  const search = new URLSearchParams();
  for (const key of keys) search.append(key, params[key]!);
  return createHmac('sha256', secret).update(search.toString()).digest('hex');
}

export function generatedShopifyProduct(index: number, updatedAt = '2024-01-01T00:00:00Z'): ShopifyObject {
  const id = 9_000_000_000 + index + 1;
  const price = (20 + (index % 50)).toFixed(2);
  return {
    id,
    title: `Generated ${index}`,
    handle: `generated-${index}`,
    body_html: `<p>Generated product ${index}</p>`,
    vendor: 'Acme',
    product_type: 'Widgets',
    tags: 'generated',
    updated_at: updatedAt,
    published_at: '2024-01-01T00:00:00Z',
    images: [{ id: id, src: `https://cdn.shopify.example/generated-${index}.png` }],
    variants: [0, 1].map((v) => ({
      id: id * 10 + v,
      title: v === 0 ? 'Small' : 'Large',
      sku: `GEN-${index}-${v}`,
      price,
      compare_at_price: v === 1 ? (Number(price) + 5).toFixed(2) : null,
      inventory_quantity: v === 0 ? 5 : 0,
      inventory_policy: 'deny',
      inventory_management: 'shopify',
      grams: 250,
      option1: v === 0 ? 'Small' : 'Large',
      barcode: v === 0 ? `40000000${String(index).padStart(5, '0')}` : null,
    })),
    options: [{ name: 'Size' }],
  };
}

const gid = (type: string, id: unknown): string => `gid://shopify/${type}/${String(id)}`;

/** A REST product as the GraphQL Admin API answers it (the fields the catalogue sync asks for). */
export function productNode(shop: string, product: ShopifyObject, onlineStoreUrls = true): ShopifyObject {
  const images = (product.images as Array<{ id: unknown; src: string }> | undefined) ?? [];
  const options = ((product.options as Array<{ name: string }> | undefined) ?? []).map((o) => o.name);
  const variants = (product.variants as ShopifyObject[] | undefined) ?? [];
  const published = product.published_at !== null && product.published_at !== undefined;
  return {
    id: gid('Product', product.id),
    legacyResourceId: String(product.id),
    title: product.title,
    handle: product.handle,
    descriptionHtml: product.body_html ?? '',
    vendor: product.vendor ?? '',
    productType: product.product_type ?? '',
    status: published ? 'ACTIVE' : 'DRAFT',
    onlineStoreUrl:
      onlineStoreUrls && published ? `https://${shop}/products/${String(product.handle)}` : null,
    updatedAt: new Date(String(product.updated_at)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    tags: String(product.tags ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    featuredImage: images[0] ? { url: images[0].src } : null,
    images: { nodes: images.map((i) => ({ url: i.src })) },
    variants: {
      nodes: variants.map((v) => ({
        id: gid('ProductVariant', v.id),
        legacyResourceId: String(v.id),
        title: v.title,
        sku: v.sku ?? '',
        barcode: v.barcode ?? null,
        price: v.price,
        compareAtPrice: v.compare_at_price ?? null,
        availableForSale:
          Number(v.inventory_quantity ?? 0) > 0 ||
          v.inventory_policy === 'continue' ||
          v.inventory_management === null,
        inventoryQuantity: v.inventory_quantity ?? null,
        inventoryPolicy: String(v.inventory_policy ?? 'deny').toUpperCase(),
        selectedOptions: [v.option1, v.option2, v.option3]
          .map((value, i) => ({ name: options[i] ?? `Option${i + 1}`, value }))
          .filter((o) => o.value !== null && o.value !== undefined),
        image: null,
        inventoryItem: {
          measurement: { weight: v.grams === undefined ? null : { unit: 'GRAMS', value: v.grams } },
        },
      })),
    },
  };
}

interface ShopState {
  products: ShopifyObject[];
  currencyCode: string;
  onlineStoreUrls: boolean;
  tokens: Map<string, string>;
  available: number;
  availableAt: number;
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });

const PATH = /^\/([a-zA-Z0-9][a-zA-Z0-9-_.]*)(\/admin\/.*)$/;

export async function startFakeShopify(options: FakeShopifyOptions = {}): Promise<FakeShopify> {
  const now = options.now ?? Date.now;
  const apiKey = options.apiKey ?? 'fake-shopify-api-key';
  const apiSecret = options.apiSecret ?? 'fake-shopify-api-secret';
  const maximumAvailable = options.maximumAvailable ?? 1000;
  const restoreRate = options.restoreRate ?? 50;
  const costPerProduct = options.costPerProduct ?? 10;
  const shops = new Map<string, ShopState>();
  const codes = new Map<string, { shop: string; scope: string; used: boolean }>();
  const requests: ShopifyRequest[] = [];
  let failures: number[] = [];

  const addShop = (shop: string, shopOptions: FakeShopOptions = {}): void => {
    const products = [...(shopOptions.products ?? [shopifySampleProduct()])];
    for (let i = 0; i < (shopOptions.generated ?? 0); i++) products.push(generatedShopifyProduct(i));
    const existing = shops.get(shop);
    shops.set(shop, {
      products,
      currencyCode: shopOptions.currencyCode ?? 'USD',
      onlineStoreUrls: shopOptions.onlineStoreUrls ?? true,
      tokens: existing?.tokens ?? new Map(),
      available: maximumAvailable,
      availableAt: now(),
    });
  };
  for (const [shop, shopOptions] of Object.entries(options.shops ?? { 'demo.myshopify.com': {} })) {
    addShop(shop, shopOptions);
  }

  const bucket = (state: ShopState): number => {
    const t = now();
    state.available = Math.min(
      maximumAvailable,
      state.available + ((t - state.availableAt) / 1000) * restoreRate,
    );
    state.availableAt = t;
    return state.available;
  };
  const throttleStatus = (state: ShopState): ShopifyObject => ({
    maximumAvailable,
    currentlyAvailable: Math.floor(state.available),
    restoreRate,
  });

  const graphql = (
    state: ShopState,
    shop: string,
    body: { query?: unknown; variables?: Record<string, unknown> },
    entry: ShopifyRequest,
  ): { status: number; body: unknown } => {
    const query = typeof body.query === 'string' ? body.query : '';
    const variables = body.variables ?? {};
    entry.variables = variables;
    const wantsProducts = /\bproducts\s*\(/.test(query);
    const wantsShop = /\bshop\s*\{/.test(query);
    const wantsCount = /\bproductsCount\s*\(/.test(query);
    if (!wantsProducts && !wantsShop && !wantsCount) {
      return {
        status: 200,
        body: {
          errors: [
            { message: 'Field does not exist on type QueryRoot', extensions: { code: 'undefinedField' } },
          ],
        },
      };
    }
    const first = Math.min(Number(variables.first ?? 50), 250);
    const requested = 2 + (wantsProducts ? first * costPerProduct : 0);
    if (bucket(state) < requested) {
      entry.throttled = true;
      return {
        status: 200,
        body: {
          errors: [
            {
              message: 'Throttled',
              extensions: {
                code: 'THROTTLED',
                documentation: 'https://shopify.dev/api/usage/rate-limits',
              },
            },
          ],
          extensions: {
            cost: {
              requestedQueryCost: requested,
              actualQueryCost: null,
              throttleStatus: throttleStatus(state),
            },
          },
        },
      };
    }
    const data: ShopifyObject = {};
    let actual = 2;
    if (wantsShop) {
      data.shop = {
        name: shop.split('.')[0],
        myshopifyDomain: shop,
        currencyCode: state.currencyCode,
        primaryDomain: { url: `https://${shop}`, host: shop },
      };
    }
    const filter = typeof variables.query === 'string' ? variables.query : '';
    const since = /updated_at:>'?([^'\s]+)'?/.exec(filter)?.[1];
    const sinceMs = since === undefined ? Number.NEGATIVE_INFINITY : Date.parse(since);
    if (wantsCount) {
      const count = state.products.filter((p) => Date.parse(String(p.updated_at)) > sinceMs).length;
      data.productsCount = { count, precision: 'EXACT' };
      actual += 1;
    }
    if (wantsProducts) {
      const list = state.products
        .filter((p) => Date.parse(String(p.updated_at)) > sinceMs)
        .sort((a, b) => Number(a.id) - Number(b.id));
      const after =
        typeof variables.after === 'string'
          ? Number(Buffer.from(variables.after, 'base64url').toString())
          : 0;
      const start = list.findIndex((p) => Number(p.id) > after);
      const page = start < 0 ? [] : list.slice(start, start + first);
      const last = page.at(-1);
      const cursor = (p: ShopifyObject): string => Buffer.from(String(p.id)).toString('base64url');
      data.products = {
        edges: page.map((p) => ({ cursor: cursor(p), node: productNode(shop, p, state.onlineStoreUrls) })),
        nodes: page.map((p) => productNode(shop, p, state.onlineStoreUrls)),
        pageInfo: {
          hasNextPage: start >= 0 && start + first < list.length,
          endCursor: last ? cursor(last) : null,
        },
      };
      actual += page.length * costPerProduct;
    }
    state.available -= actual;
    return {
      status: 200,
      body: {
        data,
        extensions: {
          cost: {
            requestedQueryCost: requested,
            actualQueryCost: actual,
            throttleStatus: throttleStatus(state),
          },
        },
      },
    };
  };

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    entry: ShopifyRequest,
  ): Promise<{ status: number; body?: unknown; location?: string }> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = PATH.exec(url.pathname);
    if (!match) return { status: 404, body: { errors: 'Not Found' } };
    const shop = match[1]!;
    const path = match[2]!;
    entry.shop = shop;
    entry.path = path;
    const state = shops.get(shop);
    if (!state) return { status: 404, body: { errors: 'Not Found' } };
    const raw = req.method === 'POST' ? await readBody(req) : '';
    let body: Record<string, unknown> = {};
    if (raw !== '') {
      try {
        body = (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')
          ? Object.fromEntries(new URLSearchParams(raw))
          : (JSON.parse(raw) as Record<string, unknown>);
      } catch {
        return { status: 400, body: { errors: 'Bad Request' } };
      }
    }
    entry.body = body;
    void res;

    if (req.method === 'GET' && path === '/admin/oauth/authorize') {
      const q = Object.fromEntries(url.searchParams);
      if (q.client_id !== apiKey) return { status: 400, body: { errors: 'Invalid client_id' } };
      if (!q.redirect_uri) return { status: 400, body: { errors: 'Missing redirect_uri' } };
      const code = randomBytes(16).toString('hex');
      codes.set(code, { shop, scope: q.scope ?? '', used: false });
      const params: Record<string, string> = {
        code,
        host: Buffer.from(`admin.shopify.com/store/${shop.split('.')[0]}`)
          .toString('base64')
          .replace(/=+$/, ''),
        shop,
        state: q.state ?? '',
        timestamp: String(Math.floor(now() / 1000)),
      };
      params.hmac = shopifyQueryHmac(params, apiSecret);
      const back = new URL(q.redirect_uri);
      for (const [k, v] of Object.entries(params)) back.searchParams.set(k, v);
      return { status: 302, location: back.toString() };
    }
    if (req.method === 'POST' && path === '/admin/oauth/access_token') {
      const grant = typeof body.code === 'string' ? codes.get(body.code) : undefined;
      if (body.client_id !== apiKey || body.client_secret !== apiSecret) {
        return {
          status: 400,
          body: { error: 'invalid_client', error_description: 'Client credentials are invalid' },
        };
      }
      if (!grant || grant.used || grant.shop !== shop) {
        return {
          status: 400,
          body: {
            error: 'invalid_request',
            error_description: 'The authorization code was not found or was already used',
          },
        };
      }
      grant.used = true;
      const token = `shpat_${randomBytes(16).toString('hex')}`;
      state.tokens.set(token, grant.scope);
      return { status: 200, body: { access_token: token, scope: grant.scope } };
    }
    if (req.method === 'POST' && /^\/admin\/api\/[^/]+\/graphql\.json$/.test(path)) {
      const token = req.headers['x-shopify-access-token'];
      if (typeof token !== 'string' || !state.tokens.has(token)) {
        return {
          status: 401,
          body: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' },
        };
      }
      return graphql(state, shop, body, entry);
    }
    return { status: 404, body: { errors: 'Not Found' } };
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const entry: ShopifyRequest = {
      method: req.method ?? 'GET',
      shop: '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: null,
      status: 0,
      at: now(),
    };
    requests.push(entry);
    const failure = failures.shift();
    const answered =
      failure !== undefined
        ? Promise.resolve({
            status: failure,
            body: { errors: 'Scripted failure' } as unknown,
            location: undefined,
          })
        : handle(req, res, entry);
    answered
      .then((answer) => {
        entry.status = answer.status;
        if (answer.location !== undefined) {
          res.writeHead(302, { location: answer.location });
          res.end();
          return;
        }
        res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(answer.body ?? {}));
      })
      .catch((error: unknown) => {
        entry.status = 500;
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ fake_server_bug: String(error) }));
      });
  });

  const origin = await listenLocal(server, options);

  const stateOf = (shop: string): ShopState => {
    const state = shops.get(shop);
    if (!state) throw new Error(`fake Shopify: unknown shop ${shop}`);
    return state;
  };

  return {
    url: origin,
    shopUrlTemplate: `${origin}/{shop}`,
    apiKey,
    apiSecret,
    requests,
    productPages: (shop) =>
      requests.filter(
        (r) =>
          r.path.endsWith('/graphql.json') &&
          r.status === 200 &&
          !r.throttled &&
          r.variables !== undefined &&
          (shop === undefined || r.shop === shop) &&
          'first' in r.variables,
      ),
    addShop,
    grantToken(shop, token = `shpat_${randomBytes(16).toString('hex')}`, scope = 'read_products') {
      stateOf(shop).tokens.set(token, scope);
      return token;
    },
    setProducts(shop, products) {
      stateOf(shop).products = [...products];
    },
    products: (shop) => stateOf(shop).products,
    setAvailable(shop, points) {
      const state = stateOf(shop);
      state.available = points;
      state.availableAt = now();
    },
    failNext(...statuses) {
      failures.push(...statuses);
    },
    reset() {
      requests.length = 0;
      failures = [];
    },
    close: () => closeLocal(server),
  };
}
