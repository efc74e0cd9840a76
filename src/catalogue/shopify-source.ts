/**
 * Reads a Shopify catalogue through the GraphQL Admin API (clients.md §3.4), a page of products with
 * their variants per request, by cursor (`pageInfo.endCursor`); incremental runs filter
 * `updated_at:>'<watermark>'`. Rate-limit aware: every answer carries the cost extension
 * (`throttleStatus{maximumAvailable, currentlyAvailable, restoreRate}`); before a request that the bucket
 * cannot pay for, and after a `THROTTLED` error, the source waits for the bucket to refill.
 *
 * Every Admin URL is built from SHOPIFY_SHOP_URL (`https://{shop}` in production).
 */
import { SHOPIFY_API_VERSION, type StoreCredentials } from '../orders/store-orders.js';
import { normalizeShopifyProduct } from './shopify-normalize.js';
import {
  CredentialsRefusedError,
  type StoreClient,
  type StoreResponse,
  StoreUnavailableError,
} from './store-client.js';
import type { SourceStep } from './woocommerce-source.js';

/** Products per request: with 100 variants each, a page stays within Shopify's 1000-point query limit. */
export const SHOPIFY_PER_PAGE = 10;
const VARIANTS_PER_PRODUCT = 100;
/** THROTTLED answers in a row before the run gives up (each one waited for the refill first). */
const MAX_THROTTLED = 20;

export interface ShopifyCursor {
  platform: 'shopify';
  /** `updated_at:>` of an incremental run (ms); null for a full run. */
  since: number | null;
  /** `endCursor` of the last page read; null before the first. */
  after: string | null;
  currency: string | null;
  /** Products with more variants than one page holds (their extra variants are not read). */
  truncatedProducts: number;
}

export const initialShopifyCursor = (since: number | null): ShopifyCursor => ({
  platform: 'shopify',
  since,
  after: null,
  currency: null,
  truncatedProducts: 0,
});

const PRODUCT_FIELDS = `id legacyResourceId title handle descriptionHtml vendor productType status onlineStoreUrl updatedAt
  featuredImage { url } images(first: 10) { nodes { url } }
  variants(first: ${VARIANTS_PER_PRODUCT}) {
    nodes { id legacyResourceId title sku barcode price compareAtPrice availableForSale inventoryQuantity inventoryPolicy
      selectedOptions { name value } image { url } inventoryItem { measurement { weight { unit value } } } }
    pageInfo { hasNextPage }
  }`;

export const PRODUCTS_QUERY = `query CatalogueProducts($first: Int!, $after: String, $query: String) {
  shop { currencyCode }
  products(first: $first, after: $after, query: $query, sortKey: ID) {
    nodes { ${PRODUCT_FIELDS} }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const PRODUCTS_COUNT_QUERY = `query CatalogueCount($query: String) { productsCount(query: $query) { count } }`;

interface Throttle {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

interface GraphqlAnswer {
  data?: Record<string, unknown>;
  errors?: Array<{ message?: string; extensions?: { code?: string } }> | string;
  extensions?: {
    cost?: { requestedQueryCost?: number; actualQueryCost?: number | null; throttleStatus?: Throttle };
  };
}

export function shopifyFilter(since: number | null): string {
  const active = 'status:active';
  return since === null
    ? active
    : `${active} AND updated_at:>'${new Date(since).toISOString().replace(/\.\d{3}Z$/, 'Z')}'`;
}

export class ShopifySource {
  /** What the bucket held after the last answer, and what the last products query cost. */
  private throttle: Throttle | null = null;
  private lastCost = 0;

  constructor(
    private readonly client: StoreClient,
    private readonly shopUrlTemplate: string,
    private readonly shop: string,
    private readonly credentials: Extract<StoreCredentials, { platform: 'shopify' }>,
  ) {}

  private endpoint(): string {
    return `${this.shopUrlTemplate.replace('{shop}', this.shop)}/admin/api/${SHOPIFY_API_VERSION}/graphql.json`;
  }

  /** How long until the bucket holds `cost` points (0 when it does). */
  private refillWait(cost: number): number {
    if (this.throttle === null || this.throttle.restoreRate <= 0) return 0;
    const missing = Math.min(cost, this.throttle.maximumAvailable) - this.throttle.currentlyAvailable;
    return missing <= 0 ? 0 : Math.ceil((missing / this.throttle.restoreRate) * 1000);
  }

  private async query(query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
    for (let throttled = 0; ; throttled++) {
      await this.client.wait(this.refillWait(this.lastCost));
      const response: StoreResponse = await this.client.send({
        method: 'POST',
        url: this.endpoint(),
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'x-shopify-access-token': this.credentials.accessToken,
        },
        body: JSON.stringify({ query, variables }),
      });
      let answer: GraphqlAnswer = {};
      try {
        answer = JSON.parse(response.body) as GraphqlAnswer;
      } catch {
        // the status says what happened
      }
      if (response.status === 401 || response.status === 403) {
        const words = typeof answer.errors === 'string' ? answer.errors : `HTTP ${response.status}`;
        throw new CredentialsRefusedError(`Shopify refused the access token: ${words}`);
      }
      const cost = answer.extensions?.cost;
      if (cost?.throttleStatus) this.throttle = { ...cost.throttleStatus };
      const errors = Array.isArray(answer.errors) ? answer.errors : [];
      if (errors.some((e) => e.extensions?.code === 'THROTTLED')) {
        if (throttled >= MAX_THROTTLED)
          throw new StoreUnavailableError('Shopify kept throttling the catalogue reads');
        this.lastCost = cost?.requestedQueryCost ?? this.lastCost;
        // Waits for the refill at the top of the loop; at least a second if the answer did not say.
        if (this.refillWait(this.lastCost) === 0) await this.client.wait(1000);
        continue;
      }
      if (response.status !== 200 || errors.length > 0 || answer.data === undefined) {
        const words =
          errors.map((e) => e.message).join('; ') || (typeof answer.errors === 'string' ? answer.errors : '');
        throw new StoreUnavailableError(
          `Reading the Shopify catalogue failed: HTTP ${response.status}${words ? `: ${words}` : ''}`,
        );
      }
      if (typeof cost?.requestedQueryCost === 'number') this.lastCost = cost.requestedQueryCost;
      return answer.data;
    }
  }

  async step(cursor: ShopifyCursor): Promise<SourceStep<ShopifyCursor>> {
    const filter = shopifyFilter(cursor.since);
    let total: number | undefined;
    if (cursor.after === null) {
      const counted = await this.query(PRODUCTS_COUNT_QUERY, { query: filter });
      const count = (counted.productsCount as { count?: unknown } | undefined)?.count;
      if (typeof count === 'number') total = count;
    }
    const data = await this.query(PRODUCTS_QUERY, {
      first: SHOPIFY_PER_PAGE,
      after: cursor.after,
      query: filter,
    });
    const currency =
      ((data.shop as { currencyCode?: unknown } | undefined)?.currencyCode as string | undefined) ??
      cursor.currency;
    const connection = (data.products ?? {}) as {
      nodes?: Array<Record<string, unknown>>;
      pageInfo?: { hasNextPage?: boolean; endCursor?: string | null };
    };
    const products = connection.nodes ?? [];
    let truncated = 0;
    const items = products.flatMap((product) => {
      if ((product.variants as { pageInfo?: { hasNextPage?: boolean } } | undefined)?.pageInfo?.hasNextPage)
        truncated += 1;
      return normalizeShopifyProduct(product, { shop: this.shop, currency: currency ?? null });
    });
    const hasNext =
      connection.pageInfo?.hasNextPage === true && typeof connection.pageInfo.endCursor === 'string';
    const step: SourceStep<ShopifyCursor> = {
      items,
      cursor: {
        ...cursor,
        after: hasNext ? (connection.pageInfo?.endCursor as string) : cursor.after,
        currency: currency ?? null,
        truncatedProducts: cursor.truncatedProducts + truncated,
      },
      done: products.length,
      totalDelta: 0,
      finished: !hasNext,
    };
    if (total !== undefined) step.total = total;
    return step;
  }
}
