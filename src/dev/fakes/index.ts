/**
 * All seven fake platforms at once, for end-to-end tests and `npx tagbridge dev`. The `urls` are the
 * origins to pass as each destination's base URL (the env names match what the config reads).
 */
import type { FakeOptions, FakePlatform, PlatformName } from './common.js';
import { startFakeGa4 } from './ga4.js';
import { startFakeMeta } from './meta.js';
import { startFakeMicrosoft } from './microsoft.js';
import { startFakePinterest } from './pinterest.js';
import { startFakeReddit } from './reddit.js';
import { startFakeSnapchat } from './snapchat.js';
import { startFakeTikTok } from './tiktok.js';

export type {
  AcceptedEvent,
  FakeOptions,
  FakePlatform,
  InjectedResponse,
  PlatformName,
  ReceivedRequest,
} from './common.js';
export { startFakeGa4 } from './ga4.js';
export { startFakeMeta } from './meta.js';
export { startFakeMicrosoft } from './microsoft.js';
export { startFakePinterest } from './pinterest.js';
export { startFakeReddit } from './reddit.js';
export { startFakeSnapchat } from './snapchat.js';
export { startFakeTikTok } from './tiktok.js';

export interface FakePlatformsOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /**
   * Fixed ports: meta = basePort, tiktok + 1, pinterest + 2, snapchat + 3, reddit + 4, ga4 + 5,
   * microsoft + 6. Default: ephemeral.
   */
  basePort?: number;
  /** Applied to every platform unless its own options say otherwise. */
  validTokens?: string[];
  now?: () => number;
  /** Per-platform options (a `port` here wins over `basePort`). */
  meta?: FakeOptions;
  tiktok?: FakeOptions;
  pinterest?: FakeOptions;
  snapchat?: FakeOptions;
  reddit?: FakeOptions;
  ga4?: FakeOptions;
  microsoft?: FakeOptions;
}

export interface FakePlatformUrls {
  META_GRAPH_URL: string;
  TIKTOK_API_URL: string;
  PINTEREST_API_URL: string;
  SNAPCHAT_API_URL: string;
  REDDIT_API_URL: string;
  GA4_API_URL: string;
  MICROSOFT_CAPI_URL: string;
}

export interface FakePlatforms {
  meta: FakePlatform;
  tiktok: FakePlatform;
  pinterest: FakePlatform;
  snapchat: FakePlatform;
  reddit: FakePlatform;
  ga4: FakePlatform;
  microsoft: FakePlatform;
  urls: FakePlatformUrls;
  /** Resets every fake. */
  reset(): void;
  close(): Promise<void>;
}

const ORDER: readonly PlatformName[] = [
  'meta',
  'tiktok',
  'pinterest',
  'snapchat',
  'reddit',
  'ga4',
  'microsoft',
];

const STARTERS: Record<PlatformName, (options: FakeOptions) => Promise<FakePlatform>> = {
  meta: startFakeMeta,
  tiktok: startFakeTikTok,
  pinterest: startFakePinterest,
  snapchat: startFakeSnapchat,
  reddit: startFakeReddit,
  ga4: startFakeGa4,
  microsoft: startFakeMicrosoft,
};

export async function startFakePlatforms(options: FakePlatformsOptions = {}): Promise<FakePlatforms> {
  const optionsFor = (name: PlatformName, index: number): FakeOptions => {
    const merged: FakeOptions = {};
    if (options.host !== undefined) merged.host = options.host;
    if (options.validTokens !== undefined) merged.validTokens = options.validTokens;
    if (options.now !== undefined) merged.now = options.now;
    if (options.basePort !== undefined) merged.port = options.basePort + index;
    return { ...merged, ...options[name] };
  };

  const results = await Promise.allSettled(ORDER.map((name, i) => STARTERS[name](optionsFor(name, i))));
  const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = results.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    // Don't leak the servers that did start (their ports would stay taken in the test process).
    await Promise.all(started.map((fake) => fake.close()));
    throw (failure as PromiseRejectedResult).reason;
  }

  const [meta, tiktok, pinterest, snapchat, reddit, ga4, microsoft] = started as [
    FakePlatform,
    FakePlatform,
    FakePlatform,
    FakePlatform,
    FakePlatform,
    FakePlatform,
    FakePlatform,
  ];
  return {
    meta,
    tiktok,
    pinterest,
    snapchat,
    reddit,
    ga4,
    microsoft,
    urls: {
      META_GRAPH_URL: meta.url,
      TIKTOK_API_URL: tiktok.url,
      PINTEREST_API_URL: pinterest.url,
      SNAPCHAT_API_URL: snapchat.url,
      REDDIT_API_URL: reddit.url,
      GA4_API_URL: ga4.url,
      MICROSOFT_CAPI_URL: microsoft.url,
    },
    reset(): void {
      for (const fake of started) fake.reset();
    },
    async close(): Promise<void> {
      await Promise.all(started.map((fake) => fake.close()));
    },
  };
}
