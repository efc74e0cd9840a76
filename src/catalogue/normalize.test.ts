/**
 * Normalisation against the platforms' documentation samples (test/fixtures/samples), expected values
 * written out by hand from the samples and the docs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { productNode } from '../dev/fakes/shopify-store.js';
import { normalizeShopifyProduct } from './shopify-normalize.js';
import { htmlToText } from './text.js';
import { normalizeWooProduct, normalizeWooVariation } from './woocommerce-normalize.js';

const SAMPLES = new URL('../../test/fixtures/samples/', import.meta.url);
const read = (path: string): unknown => JSON.parse(readFileSync(new URL(path, SAMPLES), 'utf8'));
const [variable, simple] = read('woocommerce/products-list.json') as Array<Record<string, unknown>>;
const variations = read('woocommerce/product-variations-list.json') as Array<Record<string, unknown>>;
const ipod = (read('shopify/product.json') as { product: Record<string, unknown> }).product;

const LOREM =
  'Pellentesque habitant morbi tristique senectus et netus et malesuada fames ac turpis egestas. Vestibulum tortor quam, feugiat vitae, ultricies eget, tempor sit amet, ante. Donec eu libero sit amet quam egestas semper. Aenean ultricies mi vitae est. Mauris placerat eleifend leo.';
const USD = { currency: 'USD', weightUnit: 'kg' };

describe('WooCommerce normalisation', () => {
  it('maps the sample simple product', () => {
    assert.deepEqual(normalizeWooProduct(simple!, USD), {
      externalId: '794',
      groupId: null,
      sku: null,
      title: 'Premium Quality',
      description: LOREM,
      link: 'https://example.com/product/premium-quality-19/',
      imageLink: 'https://example.com/wp-content/uploads/2017/03/T_2_front-4.jpg',
      additionalImageLinks: ['https://example.com/wp-content/uploads/2017/03/T_2_back-2.jpg'],
      price: '21.99',
      salePrice: null,
      saleFrom: null,
      saleTo: null,
      currency: 'USD',
      availability: 'in_stock',
      brand: null,
      gtin: null,
      mpn: null,
      categories: ['Clothing', 'T-shirts'],
      condition: null,
      shippingWeight: null,
      attributes: null,
      sourceModifiedAt: Date.UTC(2017, 2, 23, 20, 1, 14),
    });
  });

  it('does not emit the variable product (price "") but each variation, grouped under it', () => {
    assert.equal(normalizeWooProduct(variable!, USD), null);
    assert.deepEqual(normalizeWooVariation(variations[0]!, variable!, USD), {
      externalId: '733',
      groupId: '799',
      sku: null,
      title: 'Ship Your Idea - Green',
      description: LOREM,
      link: 'https://example.com/product/ship-your-idea/?attribute_pa_color=green',
      imageLink: 'https://example.com/wp-content/uploads/2016/10/T_3_front-12.jpg',
      additionalImageLinks: [
        'https://example.com/wp-content/uploads/2017/03/T_4_front-11.jpg',
        'https://example.com/wp-content/uploads/2017/03/T_4_back-10.jpg',
        'https://example.com/wp-content/uploads/2017/03/T_3_front-10.jpg',
        'https://example.com/wp-content/uploads/2017/03/T_3_back-10.jpg',
      ],
      price: '9.00',
      salePrice: null,
      saleFrom: null,
      saleTo: null,
      currency: 'USD',
      availability: 'in_stock',
      brand: null,
      gtin: null,
      mpn: null,
      categories: ['Clothing', 'T-shirts'],
      condition: null,
      shippingWeight: null,
      attributes: { Color: 'Green' },
      sourceModifiedAt: Date.UTC(2017, 2, 23, 3, 53, 11),
    });
    assert.equal(normalizeWooVariation(variations[1]!, variable!, USD).title, 'Ship Your Idea - Black');
  });

  it('reads sale dates, backorders, weight, and brand/GTIN/MPN/condition where plugins keep them', () => {
    const item = normalizeWooProduct(
      {
        ...simple!,
        regular_price: '21.99',
        sale_price: '15.00',
        date_on_sale_from_gmt: '2024-01-01T00:00:00',
        date_on_sale_to_gmt: '2024-01-31T23:59:59',
        stock_status: 'onbackorder',
        weight: '1.5',
        attributes: [{ id: 0, name: 'Brand', options: ['Acme'] }],
        meta_data: [
          { id: 1, key: '_wpm_gtin_code', value: '4006381333931' },
          { id: 2, key: '_mpn', value: 'PQ-19' },
          { id: 3, key: '_condition', value: 'Refurbished' },
        ],
      },
      { currency: 'EUR', weightUnit: 'lbs' },
    );
    assert.equal(item?.price, '21.99');
    assert.equal(item?.salePrice, '15.00');
    assert.equal(item?.saleFrom, Date.UTC(2024, 0, 1));
    assert.equal(item?.saleTo, Date.UTC(2024, 0, 31, 23, 59, 59));
    assert.equal(item?.currency, 'EUR');
    assert.equal(item?.availability, 'backorder');
    assert.equal(item?.shippingWeight, '1.5 lbs');
    assert.equal(item?.brand, 'Acme');
    assert.equal(item?.gtin, '4006381333931');
    assert.equal(item?.mpn, 'PQ-19');
    assert.equal(item?.condition, 'refurbished');
    assert.equal(
      normalizeWooProduct({ ...simple!, stock_status: 'outofstock' }, USD)?.availability,
      'out_of_stock',
    );
    // Core's own fields (WooCommerce 9.2+ GTIN, 9.6+ brands) come first.
    const core = normalizeWooProduct(
      { ...simple!, global_unique_id: '012345678905', brands: [{ id: 1, name: 'Woo', slug: 'woo' }] },
      USD,
    );
    assert.equal(core?.gtin, '012345678905');
    assert.equal(core?.brand, 'Woo');
  });

  it('strips HTML and decodes entities', () => {
    assert.equal(
      htmlToText(
        '<p>Caf&eacute; &amp; <b>bar</b><br>next&nbsp;line</p><script>alert(1)</script><p>&lt;b&gt; &#8211; ok</p>',
      ),
      'Café & bar next line <b> – ok',
    );
  });
});

describe('Shopify normalisation', () => {
  it('maps each variant of the sample product (through the GraphQL shape)', () => {
    const items = normalizeShopifyProduct(productNode('demo.myshopify.com', ipod), {
      shop: 'demo.myshopify.com',
      currency: 'USD',
    });
    assert.equal(items.length, 4);
    assert.deepEqual(items[0], {
      externalId: '808950810',
      groupId: '632910392',
      sku: 'IPOD2008PINK',
      title: 'IPod Nano - 8GB - Pink',
      description:
        "It's the small iPod with one very big idea: Video. Now the world's most popular music player, available in 4GB and 8GB models, lets you enjoy TV shows, movies, video podcasts, and more. The larger, brighter display means amazing picture quality. In six eye-catching colors, iPod nano is stunning all around. And with models starting at just $149, little speaks volumes.",
      link: 'https://demo.myshopify.com/products/ipod-nano?variant=808950810',
      imageLink: 'http://static.shopify.com/s/files/1/6909/3384/products/ipod-nano.png?0',
      additionalImageLinks: [],
      price: '199.00',
      salePrice: null,
      saleFrom: null,
      saleTo: null,
      currency: 'USD',
      availability: 'in_stock',
      brand: 'Apple',
      gtin: null,
      mpn: null,
      categories: ['Cult Products'],
      condition: null,
      shippingWeight: '200 g',
      attributes: { Title: 'Pink' },
      sourceModifiedAt: Date.parse('2011-10-20T18:05:13Z'),
    });
    assert.deepEqual(
      items.map((i) => i.externalId),
      ['808950810', '49148385', '39072856', '457924702'],
    );
  });

  it('reads compareAtPrice above price as a sale, and builds the link without onlineStoreUrl', () => {
    const [item] = normalizeShopifyProduct(
      {
        id: 'gid://shopify/Product/1',
        title: 'Mug',
        handle: 'mug',
        descriptionHtml: '<p>Tea &amp; coffee</p>',
        vendor: 'Acme',
        productType: '',
        status: 'ACTIVE',
        onlineStoreUrl: null,
        updatedAt: '2024-05-01T10:00:00Z',
        featuredImage: { url: 'https://cdn.example/mug.png' },
        images: { nodes: [{ url: 'https://cdn.example/mug.png' }, { url: 'https://cdn.example/mug-2.png' }] },
        variants: {
          nodes: [
            {
              id: 'gid://shopify/ProductVariant/11',
              title: 'Default Title',
              sku: 'MUG',
              barcode: '0012345678905',
              price: '8.00',
              compareAtPrice: '10.00',
              availableForSale: true,
              inventoryQuantity: 0,
              inventoryPolicy: 'CONTINUE',
              selectedOptions: [{ name: 'Title', value: 'Default Title' }],
              image: null,
              inventoryItem: { measurement: { weight: { unit: 'KILOGRAMS', value: 0.4 } } },
            },
          ],
        },
      },
      { shop: 'demo.myshopify.com', currency: 'EUR' },
    );
    assert.equal(item?.groupId, null);
    assert.equal(item?.title, 'Mug');
    assert.equal(item?.link, 'https://demo.myshopify.com/products/mug');
    assert.equal(item?.price, '10.00');
    assert.equal(item?.salePrice, '8.00');
    assert.equal(item?.availability, 'backorder');
    assert.equal(item?.gtin, '0012345678905');
    assert.equal(item?.shippingWeight, '0.4 kg');
    assert.deepEqual(item?.additionalImageLinks, ['https://cdn.example/mug-2.png']);
    assert.equal(item?.categories.length, 0);
    assert.equal(item?.attributes, null);
    assert.equal(item?.description, 'Tea & coffee');
    assert.deepEqual(
      normalizeShopifyProduct({ status: 'DRAFT', variants: { nodes: [{}] } }, { shop: 's', currency: null }),
      [],
    );
  });
});
