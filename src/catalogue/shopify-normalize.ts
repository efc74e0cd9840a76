/**
 * Shopify GraphQL Admin products (clients.md §3.4) as catalogue items: one per variant. Pure.
 * - `compareAtPrice > price` means on sale: price = compareAtPrice, sale price = price.
 * - Link: the product's `onlineStoreUrl` (null when unpublished from the online store), else
 *   `https://<shop>/products/<handle>`; a variant of a product with several adds `?variant=<id>`.
 * - A product with its single "Default Title" variant is a simple item (no group).
 */
import { htmlToText, nonEmpty, priceOf } from './text.js';
import type { Availability, CatalogueItem } from './types.js';

export type ShopifyNode = Record<string, unknown>;

export interface ShopifyContext {
  /** `<name>.myshopify.com` */
  shop: string;
  /** The shop's currency (`shop.currencyCode`). */
  currency: string | null;
}

const obj = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
const nodes = (connection: unknown): Array<Record<string, unknown>> => {
  const c = obj(connection);
  const list = Array.isArray(c.nodes)
    ? c.nodes
    : Array.isArray(c.edges)
      ? c.edges.map((e) => obj(e).node)
      : [];
  return list.map(obj);
};

/** The numeric id of a `gid://shopify/Type/123` (or the legacy id itself). */
export function legacyId(node: Record<string, unknown>): string {
  const legacy = nonEmpty(node.legacyResourceId);
  if (legacy !== null) return legacy;
  const gid = String(node.id ?? '');
  return gid.slice(gid.lastIndexOf('/') + 1);
}

const WEIGHT_UNITS: Record<string, string> = { GRAMS: 'g', KILOGRAMS: 'kg', POUNDS: 'lb', OUNCES: 'oz' };

function weightOf(variant: Record<string, unknown>): string | null {
  const weight = obj(obj(obj(variant.inventoryItem).measurement).weight);
  const value = weight.value;
  const unit = WEIGHT_UNITS[String(weight.unit ?? '')];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || unit === undefined) return null;
  return `${value} ${unit}`;
}

function availabilityOf(variant: Record<string, unknown>): Availability {
  if (variant.availableForSale !== true) return 'out_of_stock';
  const quantity = variant.inventoryQuantity;
  // Sellable with nothing in stock: the shop takes orders beyond stock (policy CONTINUE).
  if (typeof quantity === 'number' && quantity <= 0 && variant.inventoryPolicy === 'CONTINUE')
    return 'backorder';
  return 'in_stock';
}

/** Every variant of a product as an item (none for a product that is not active). */
export function normalizeShopifyProduct(product: ShopifyNode, context: ShopifyContext): CatalogueItem[] {
  if (product.status !== undefined && product.status !== 'ACTIVE') return [];
  const productId = legacyId(product);
  const variants = nodes(product.variants);
  const single = variants.length === 1 && variants[0]?.title === 'Default Title';
  const base =
    nonEmpty(product.onlineStoreUrl) ??
    `https://${context.shop}/products/${String(product.handle ?? productId)}`;
  const productImages = [
    nonEmpty(obj(product.featuredImage).url),
    ...nodes(product.images).map((image) => nonEmpty(image.url)),
  ].filter((url, i, all): url is string => url !== null && all.indexOf(url) === i);
  const description = nonEmpty(htmlToText(nonEmpty(product.descriptionHtml)));
  const productType = nonEmpty(product.productType);
  const title = nonEmpty(product.title) ?? `Product ${productId}`;

  return variants.map((variant) => {
    const variantId = legacyId(variant);
    const price = priceOf(variant.price);
    const compareAt = priceOf(variant.compareAtPrice);
    const onSale = price !== null && compareAt !== null && Number(compareAt) > Number(price);
    const main = nonEmpty(obj(variant.image).url) ?? productImages[0] ?? null;
    const attributes: Record<string, string> = {};
    for (const option of Array.isArray(variant.selectedOptions) ? variant.selectedOptions.map(obj) : []) {
      const name = nonEmpty(option.name);
      const value = nonEmpty(option.value);
      if (name !== null && value !== null && !(name === 'Title' && value === 'Default Title'))
        attributes[name] = value;
    }
    const variantTitle = nonEmpty(variant.title);
    return {
      externalId: variantId,
      groupId: single ? null : productId,
      sku: nonEmpty(variant.sku),
      title: single || variantTitle === null ? title : `${title} - ${variantTitle}`,
      description,
      link: single ? base : `${base}${base.includes('?') ? '&' : '?'}variant=${variantId}`,
      imageLink: main,
      additionalImageLinks: productImages.filter((url) => url !== main).slice(0, 10),
      price: onSale ? compareAt : price,
      salePrice: onSale ? price : null,
      saleFrom: null,
      saleTo: null,
      currency: context.currency,
      availability: availabilityOf(variant),
      brand: nonEmpty(product.vendor),
      gtin: nonEmpty(variant.barcode),
      mpn: null,
      categories: productType === null ? [] : [productType],
      condition: null,
      shippingWeight: weightOf(variant),
      attributes: single ? null : attributes,
      sourceModifiedAt: Number.isNaN(Date.parse(String(product.updatedAt)))
        ? null
        : Date.parse(String(product.updatedAt)),
    };
  });
}
