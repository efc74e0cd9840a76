import type { Service } from '../../src/main.js';
import type { NewProduct } from '../../src/storage/schema.js';

export function product(
  channelId: string,
  orgId: string,
  externalId: string,
  overrides: Partial<NewProduct> = {},
): NewProduct {
  return {
    channel_id: channelId,
    org_id: orgId,
    external_id: externalId,
    group_id: null,
    sku: null,
    title: `Product ${externalId}`,
    description: `About ${externalId}`,
    link: `https://shop.example.com/p/${externalId}`,
    image_link: `https://shop.example.com/img/${externalId}.jpg`,
    additional_image_links: null,
    price: '10.00',
    sale_price: null,
    sale_from: null,
    sale_to: null,
    currency: 'USD',
    availability: 'in_stock',
    brand: 'Brandy',
    gtin: null,
    mpn: null,
    categories: null,
    condition: null,
    shipping_weight: null,
    attributes: null,
    source_modified_at: null,
    seen_run_id: null,
    updated_at: Date.now(),
    ...overrides,
  };
}

export const SALE_FROM = Date.UTC(2026, 0, 1);
export const SALE_TO = Date.UTC(2099, 0, 31);

/**
 * The nasty catalogue: escaping, control characters, CSV quoting, HTML, rounding, a sale, variants, and
 * three products a Google feed must leave out (no price, no link, no image).
 */
export function nastyCatalogue(channelId: string, orgId: string): NewProduct[] {
  return [
    product(channelId, orgId, 'p-001', {
      title: `Tom & Jerry's <Best> "Mug"\u0001`,
      description: '<p>Great &amp; <b>bold</b>\u000B mug</p><script>alert(1)</script>',
      price: '15',
      brand: null,
      gtin: '4006381333931',
      categories: JSON.stringify(['Kitchen', 'Mugs']),
      additional_image_links: JSON.stringify(['https://shop.example.com/img/p-001-b.jpg']),
      shipping_weight: '0.4 kg',
    }),
    product(channelId, orgId, 'p-002', {
      title: 'Shirt, "blue"\nedition',
      description: 'Line one,\r\nline "two"',
      price: '9.999',
      sale_price: '7.5',
      sale_from: SALE_FROM,
      sale_to: SALE_TO,
      availability: 'backorder',
      mpn: 'MPN-2',
      currency: 'eur',
    }),
    product(channelId, orgId, 'p-003', { price: '' }),
    product(channelId, orgId, 'p-004', { link: null }),
    product(channelId, orgId, 'p-005', { image_link: null }),
    product(channelId, orgId, 'p-006', { condition: 'used' }),
    product(channelId, orgId, 'v-101', {
      group_id: 'p-100',
      title: 'Hoodie – Green M',
      availability: 'out_of_stock',
      attributes: JSON.stringify({ Color: 'Green', Size: 'M' }),
      gtin: '0012345678905',
    }),
    product(channelId, orgId, 'v-102', {
      group_id: 'p-100',
      title: 'Hoodie – Blue L',
      availability: 'preorder',
      attributes: JSON.stringify({ Color: 'Blue', Size: 'L' }),
    }),
  ];
}

export async function insertProducts(service: Service, rows: NewProduct[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    await service.storage.db
      .insertInto('products')
      .values(rows.slice(i, i + 200))
      .execute();
  }
}
