/**
 * WooCommerce REST products and variations (clients.md §2.2) as catalogue items. Pure.
 * - A simple (or external) product is one item; a variable product is not an item itself (its price is
 *   "" in the list) — each of its variations is, grouped by the parent's id and inheriting what it lacks
 *   (description, images, categories, brand).
 * - Brand, GTIN and MPN come from where common plugins keep them: core's `brands` taxonomy and
 *   `global_unique_id` (WooCommerce 9.2+), a `Brand` attribute, or meta keys (`_wpm_gtin_code`, `_gtin`,
 *   `_ean`, `hwp_product_gtin`, `_alg_ean`, `_ts_gtin`, `_mpn`, `_ts_mpn`, `_brand`…).
 */

import { htmlToText, nonEmpty, priceOf } from './text.js';
import type { Availability, CatalogueItem, Condition } from './types.js';

export type WooProduct = Record<string, unknown>;

export interface WooContext {
  /** The store's currency (`woocommerce_currency`), null when unknown. */
  currency: string | null;
  /** The store's weight unit (`woocommerce_weight_unit`), default kg. */
  weightUnit: string;
}

const GTIN_KEYS = [
  '_global_unique_id',
  '_wpm_gtin_code',
  'hwp_product_gtin',
  'hwp_var_gtin',
  '_alg_ean',
  '_ts_gtin',
  '_gtin',
  'gtin',
  '_ean',
  'ean',
  '_barcode',
];
const MPN_KEYS = ['_wpm_mpn', '_ts_mpn', '_mpn', 'mpn'];
const BRAND_KEYS = ['_wpm_brand', '_brand', 'brand', '_product_brand'];
const CONDITION_KEYS = ['_condition', 'condition', '_wpm_condition'];

const AVAILABILITY: Record<string, Availability> = {
  instock: 'in_stock',
  outofstock: 'out_of_stock',
  onbackorder: 'backorder',
};

const list = (value: unknown): Array<Record<string, unknown>> =>
  Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null)
    : [];

function meta(product: WooProduct, keys: readonly string[]): string | null {
  const entries = list(product.meta_data);
  for (const key of keys) {
    const value = nonEmpty(entries.find((e) => e.key === key)?.value);
    if (value !== null) return value;
  }
  return null;
}

/** The first option of an attribute named like `name` (`Brand`, `pa_brand`). */
function attributeValue(product: WooProduct, name: string): string | null {
  const wanted = new RegExp(`^(pa_)?${name}$`, 'i');
  for (const attribute of list(product.attributes)) {
    if (!wanted.test(String(attribute.name ?? '')) && !wanted.test(String(attribute.slug ?? ''))) continue;
    const options = Array.isArray(attribute.options) ? attribute.options : [attribute.option];
    const value = nonEmpty(options[0]);
    if (value !== null) return value;
  }
  return null;
}

/** A GMT date-time without zone ("2017-03-23T20:03:12") as epoch ms. */
export function gmtMs(value: unknown): number | null {
  const text = nonEmpty(value);
  if (text === null) return null;
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(text) ? text : `${text}Z`);
  return Number.isNaN(ms) ? null : ms;
}

function brandOf(product: WooProduct): string | null {
  const taxonomy = nonEmpty(list(product.brands)[0]?.name);
  return taxonomy ?? attributeValue(product, 'brand') ?? meta(product, BRAND_KEYS);
}

function conditionOf(product: WooProduct): Condition | null {
  const raw = (meta(product, CONDITION_KEYS) ?? attributeValue(product, 'condition'))?.toLowerCase();
  return raw === 'new' || raw === 'refurbished' || raw === 'used' ? raw : null;
}

function weightOf(product: WooProduct, context: WooContext): string | null {
  const weight = priceOf(product.weight);
  return weight === null ? null : `${weight} ${context.weightUnit}`;
}

/** Regular and sale price: the sale price only when it is below the regular one. */
function prices(product: WooProduct): Pick<CatalogueItem, 'price' | 'salePrice' | 'saleFrom' | 'saleTo'> {
  const regular = priceOf(product.regular_price) ?? priceOf(product.price);
  const sale = priceOf(product.sale_price);
  const onSale = sale !== null && regular !== null && Number(sale) < Number(regular);
  return {
    price: regular,
    salePrice: onSale ? sale : null,
    saleFrom: onSale ? gmtMs(product.date_on_sale_from_gmt) : null,
    saleTo: onSale ? gmtMs(product.date_on_sale_to_gmt) : null,
  };
}

function images(product: WooProduct): string[] {
  return list(product.images)
    .map((image) => nonEmpty(image.src))
    .filter((src): src is string => src !== null);
}

/** Whether the item is emitted itself: everything but a variable product (its variations are). */
export function isVariable(product: WooProduct): boolean {
  return product.type === 'variable';
}

/** A simple, external or grouped product's item; null for a variable product (see its variations). */
export function normalizeWooProduct(product: WooProduct, context: WooContext): CatalogueItem | null {
  if (isVariable(product)) return null;
  const all = images(product);
  return {
    externalId: String(product.id),
    groupId: null,
    sku: nonEmpty(product.sku),
    title: nonEmpty(product.name) ?? `Product ${String(product.id)}`,
    description: nonEmpty(htmlToText(nonEmpty(product.description) ?? nonEmpty(product.short_description))),
    link: nonEmpty(product.permalink),
    imageLink: all[0] ?? null,
    additionalImageLinks: all.slice(1, 11),
    ...prices(product),
    currency: context.currency,
    availability: AVAILABILITY[String(product.stock_status ?? 'instock')] ?? 'out_of_stock',
    brand: brandOf(product),
    gtin: nonEmpty(product.global_unique_id) ?? meta(product, GTIN_KEYS),
    mpn: meta(product, MPN_KEYS),
    categories: list(product.categories)
      .map((c) => nonEmpty(c.name))
      .filter((name): name is string => name !== null),
    condition: conditionOf(product),
    shippingWeight: weightOf(product, context),
    attributes: null,
    sourceModifiedAt: gmtMs(product.date_modified_gmt),
  };
}

/** A variation of a variable product, with what it lacks taken from its parent. */
export function normalizeWooVariation(
  variation: WooProduct,
  parent: WooProduct,
  context: WooContext,
): CatalogueItem {
  const attributes: Record<string, string> = {};
  for (const attribute of list(variation.attributes)) {
    const name = nonEmpty(attribute.name);
    const option = nonEmpty(attribute.option);
    if (name !== null && option !== null) attributes[name] = option;
  }
  const parentImages = images(parent);
  const own = nonEmpty((variation.image as Record<string, unknown> | null | undefined)?.src);
  const main = own ?? parentImages[0] ?? null;
  const options = Object.values(attributes);
  const parentName = nonEmpty(parent.name) ?? `Product ${String(parent.id)}`;
  return {
    externalId: String(variation.id),
    groupId: String(parent.id),
    sku: nonEmpty(variation.sku) ?? nonEmpty(parent.sku),
    title:
      nonEmpty(variation.name) ?? (options.length > 0 ? `${parentName} - ${options.join(', ')}` : parentName),
    description: nonEmpty(
      htmlToText(
        nonEmpty(variation.description) ?? nonEmpty(parent.description) ?? nonEmpty(parent.short_description),
      ),
    ),
    link: nonEmpty(variation.permalink) ?? nonEmpty(parent.permalink),
    imageLink: main,
    additionalImageLinks: parentImages.filter((src) => src !== main).slice(0, 10),
    ...prices(variation),
    currency: context.currency,
    availability: AVAILABILITY[String(variation.stock_status ?? 'instock')] ?? 'out_of_stock',
    brand: brandOf(variation) ?? brandOf(parent),
    gtin: nonEmpty(variation.global_unique_id) ?? meta(variation, GTIN_KEYS),
    mpn: meta(variation, MPN_KEYS) ?? meta(parent, MPN_KEYS),
    categories: list(parent.categories)
      .map((c) => nonEmpty(c.name))
      .filter((name): name is string => name !== null),
    condition: conditionOf(variation) ?? conditionOf(parent),
    shippingWeight: weightOf(variation, context) ?? weightOf(parent, context),
    attributes,
    sourceModifiedAt: gmtMs(variation.date_modified_gmt),
  };
}
