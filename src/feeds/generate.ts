/**
 * Generating a feed: the channel's products are read in keyset pages and written, page by page, through
 * a gzip stream. Only the compressed output is kept (that is what the cache stores and what most clients
 * get), so a 100,000-product feed never sits whole in memory uncompressed.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { DB } from '../storage/db.js';
import { productPage } from '../storage/repos/feeds.js';
import type { FeedDefinition } from './definition.js';
import { GOOGLE_FOOTER, googleHeader, googleItem } from './formats/google.js';
import { jsonFooter, jsonHeader, jsonProduct } from './formats/json.js';
import { META_HEADER, metaRow } from './formats/meta.js';
import { type FeedItem, prepareItem, type SkipReason } from './item.js';

const FLUSH_CHARS = 32 * 1024;

export interface GeneratedFeed {
  /** The whole feed, gzip-compressed, in the compressor's chunks. */
  gzip: Buffer[];
  gzipBytes: number;
  /** Strong validator of the uncompressed content (quoted, as sent in ETag). */
  etag: string;
  products: number;
  skipped: number;
  /** Products left out per missing field (a product lacking two fields counts in both). */
  reasons: Partial<Record<SkipReason, number>>;
  generatedAt: number;
  /** Size of the uncompressed feed. */
  bytes: number;
}

export interface ChannelInfo {
  platform: string;
  store_url: string;
  name: string | null;
}

/** The store's public address: WooCommerce keeps a base URL, Shopify a bare `<shop>.myshopify.com`. */
export function storeLink(channel: ChannelInfo): string {
  return /^https?:\/\//i.test(channel.store_url) ? channel.store_url : `https://${channel.store_url}`;
}

export async function generateFeed(
  db: DB,
  definition: FeedDefinition,
  channel: ChannelInfo,
  options: { pageSize: number; now: number },
): Promise<GeneratedFeed> {
  const generatedAt = options.now;
  const gzip = createGzip({ level: 6 });
  const chunks: Buffer[] = [];
  let compressedBytes = 0;
  gzip.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    compressedBytes += chunk.length;
  });
  const ended = once(gzip, 'end');
  const hash = createHash('sha256');
  let bytes = 0;
  const write = async (text: string): Promise<void> => {
    if (text === '') return;
    hash.update(text);
    bytes += Buffer.byteLength(text);
    if (!gzip.write(text)) await once(gzip, 'drain');
  };

  const { format } = definition;
  const layout: (item: FeedItem, index: number) => string =
    format === 'google'
      ? googleItem
      : format === 'meta'
        ? metaRow
        : (item, index) => jsonProduct(item, index === 0);
  if (format === 'google') {
    await write(
      googleHeader({
        title: definition.name,
        link: storeLink(channel),
        description: `Products of ${channel.name ?? channel.store_url}`,
      }),
    );
  } else if (format === 'meta') {
    await write(META_HEADER);
  } else {
    await write(jsonHeader(definition, new Date(generatedAt).toISOString()));
  }

  let products = 0;
  let skipped = 0;
  const reasons: Partial<Record<SkipReason, number>> = {};
  let after: string | null = null;
  for (;;) {
    const page = await productPage(db, definition.channelId, after, options.pageSize);
    if (page.length === 0) break;
    // Written in small pieces, so the strings die young (a page-sized string would outlive many
    // scavenges and grow the old generation, and the process's RSS with it).
    let text = '';
    for (const product of page) {
      const prepared = prepareItem(product, definition, generatedAt);
      if (prepared.kind === 'item') {
        text += layout(prepared.item, products);
        products += 1;
        if (text.length >= FLUSH_CHARS) {
          await write(text);
          text = '';
        }
      } else if (prepared.kind === 'skip') {
        skipped += 1;
        for (const reason of prepared.reasons) reasons[reason] = (reasons[reason] ?? 0) + 1;
      }
    }
    await write(text);
    after = page[page.length - 1]!.external_id;
    if (page.length < options.pageSize) break;
  }

  await write(format === 'google' ? GOOGLE_FOOTER : format === 'json' ? jsonFooter(products) : '');
  gzip.end();
  await ended;
  return {
    gzip: chunks,
    gzipBytes: compressedBytes,
    etag: `"${hash.digest('base64url').slice(0, 32)}"`,
    products,
    skipped,
    reasons,
    generatedAt,
    bytes,
  };
}
