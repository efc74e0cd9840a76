/** What the catalogue sync produces and consumes, independent of the store platform. */

/** One sellable catalogue item (a row of `products` without its channel, org and bookkeeping). */
export interface CatalogueItem {
  externalId: string;
  /** The parent product's id for a variation (Google's `item_group_id`); null for a simple product. */
  groupId: string | null;
  sku: string | null;
  title: string;
  description: string | null;
  link: string | null;
  imageLink: string | null;
  additionalImageLinks: string[];
  /** Decimal strings as the store sends them ("15.00"). */
  price: string | null;
  salePrice: string | null;
  saleFrom: number | null;
  saleTo: number | null;
  currency: string | null;
  availability: Availability;
  brand: string | null;
  gtin: string | null;
  mpn: string | null;
  categories: string[];
  condition: Condition | null;
  /** e.g. "1.5 kg" */
  shippingWeight: string | null;
  /** Variant attributes ({"Color":"Green"}); null for a simple product. */
  attributes: Record<string, string> | null;
  sourceModifiedAt: number | null;
}

export type Availability = 'in_stock' | 'out_of_stock' | 'backorder' | 'preorder';
export type Condition = 'new' | 'refurbished' | 'used';
