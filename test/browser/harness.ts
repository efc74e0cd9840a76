/**
 * The pixel's browser tests: Debian's chromium driven by playwright-core (no downloaded browser), a tiny
 * shop served at `http://shop.localhost:<port>` (Chromium resolves every `*.localhost` name to loopback,
 * so shop and proxy host are two sites of one registrable name without DNS), and the artifacts a failure
 * needs: a screenshot per step and the network log with every Set-Cookie.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/browser/', import.meta.url));

/**
 * Why the browser tests cannot run here, or null when they can. With REQUIRE_SERVICES=1 (CI) a missing
 * chromium is an error: .ci/run installs it.
 */
export function browserSkipReason(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const reason = `${CHROMIUM} is missing (apt-get install chromium); the pixel's browser tests are skipped`;
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`REQUIRE_SERVICES=1 but ${reason}`);
  console.warn(`# ${reason}`);
  return reason;
}

/** A headless chromium with a fresh profile (playwright makes a new user-data-dir per launch). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface NetworkEntry {
  at: string;
  kind: 'request' | 'response' | 'failed';
  method: string;
  url: string;
  resourceType: string;
  status?: number;
  failure?: string;
  requestHeaders?: Record<string, string>;
  postData?: string | null;
  responseHeaders?: Array<{ name: string; value: string }>;
  setCookie?: string[];
}

/**
 * Records every request and response of `context` (Set-Cookie lines included: playwright's headersArray
 * keeps them, one per line); `save(name)` writes the log as JSON under test-artifacts/browser/.
 */
export function recordNetwork(context: BrowserContext): {
  entries: NetworkEntry[];
  save(name: string): void;
} {
  const entries: NetworkEntry[] = [];
  const at = () => new Date().toISOString();
  context.on('request', (request) => {
    entries.push({
      at: at(),
      kind: 'request',
      method: request.method(),
      url: request.url(),
      resourceType: request.resourceType(),
      requestHeaders: request.headers(),
      postData: request.postData(),
    });
  });
  context.on('response', (response) => {
    const request = response.request();
    const entry: NetworkEntry = {
      at: at(),
      kind: 'response',
      method: request.method(),
      url: response.url(),
      resourceType: request.resourceType(),
      status: response.status(),
    };
    entries.push(entry);
    // Filled in when the headers are known; the entry is in the list (and its order) already.
    response
      .headersArray()
      .then((headers) => {
        entry.responseHeaders = headers;
        entry.setCookie = headers.filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value);
      })
      .catch(() => undefined);
  });
  context.on('requestfailed', (request) => {
    entries.push({
      at: at(),
      kind: 'failed',
      method: request.method(),
      url: request.url(),
      resourceType: request.resourceType(),
      failure: request.failure()?.errorText ?? 'failed',
    });
  });
  return {
    entries,
    save(name: string) {
      mkdirSync(ARTIFACTS, { recursive: true });
      writeFileSync(`${ARTIFACTS}${name}.network.json`, `${JSON.stringify(entries, null, 2)}\n`);
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

export interface ShopPageOptions {
  /** The `<script>` tags that load the pixel (the snippet, with http for the test's localhost). */
  snippet: string;
  /** Inline script before the snippet (a page's own code: calls, a deliberate error…). */
  before?: string;
  /** Inline script after the snippet. */
  after?: string;
  title?: string;
}

/** A small shop page: product, add to cart, an SPA link, checkout; the pixel calls go through `tagbridge`. */
export function shopPage(options: ShopPageOptions): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${options.title ?? 'Test shop'}</title>
<style>body{font:16px system-ui,sans-serif;margin:2rem;max-width:40rem}button{margin:.25rem;padding:.5rem 1rem}
#log{font:12px monospace;white-space:pre-wrap;background:#f4f4f4;padding:.5rem}</style>
${options.before ? `<script>${options.before}</script>` : ''}
${options.snippet}
${options.after ? `<script>${options.after}</script>` : ''}
</head><body>
<h1 id="title">${options.title ?? 'Test shop'}</h1>
<p>Blue widget, 24.50 EUR</p>
<button id="add" onclick="tagbridge('track','AddToCart',{value:24.5,currency:'EUR',contents:[{id:'SKU-1',quantity:1,price:24.5}]})">Add to cart</button>
<button id="spa" onclick="history.pushState({}, '', '/products/blue-widget'); document.title='Blue widget'">Product page (SPA)</button>
<button id="broken" onclick="tagbridge('track','AddToWishlist',{contentName:'Blue widget'}); undefinedFunctionOfThePage()">Wishlist (page bug)</button>
<a id="checkout" href="/checkout">Checkout</a>
<div id="log"></div>
</body></html>`;
}

/** The shop: one HTML page for every path, from `render(path, host)`, changeable between tests. */
export interface Shop {
  port: number;
  origin: string;
  render: (path: string, host: string) => string;
  close(): Promise<void>;
}

export async function startShop(host = 'shop.localhost'): Promise<Shop> {
  const shop: Partial<Shop> = { render: () => '<!doctype html><title>empty</title>' };
  const server: Server = createServer((request, response) => {
    if (request.url === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    const html = shop.render!(request.url ?? '/', String(request.headers.host ?? ''));
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(shop, {
    port,
    origin: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as Shop;
}
