/**
 * The fake platform of every registered destination at once, for end-to-end tests and `npx tagbridge dev`.
 * Each destination brings its own fake (`fake.ts` in its folder, reached through its `fake()`); the `urls`
 * are the values to give the base-URL variables config reads, so the service sends to the fakes.
 */
import type { FakeOptions, FakePlatform } from '../../destinations/fakes/common.js';
import { DESTINATION_TYPES, type DestinationType, destinations } from '../../destinations/registry.js';

export type {
  AcceptedEvent,
  FakeOptions,
  FakePlatform,
  InjectedResponse,
  ReceivedRequest,
} from '../../destinations/fakes/common.js';
// The first five fakes by name, as tests and the benchmark (through dist/) import them.
export { startFakeMeta } from '../../destinations/meta/fake.js';
export { startFakePinterest } from '../../destinations/pinterest/fake.js';
export { startFakeReddit } from '../../destinations/reddit/fake.js';
export { startFakeSnapchat } from '../../destinations/snapchat/fake.js';
export { startFakeTikTok } from '../../destinations/tiktok/fake.js';

export type PlatformName = DestinationType;

/** Options for every fake, and per destination type (a `port` there wins over `basePort`). */
export type FakePlatformsOptions = {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Fixed ports in registry order: the first destination's fake on basePort, the next on + 1… Default: ephemeral. */
  basePort?: number;
  /** Applied to every platform unless its own options say otherwise. */
  validTokens?: string[];
  now?: () => number;
} & { [T in DestinationType]?: FakeOptions };

/** Variable name → the fake's URL for it (`META_GRAPH_URL` → `http://127.0.0.1:43121`). */
export type FakePlatformUrls = Readonly<Record<string, string>>;

export type FakePlatforms = Record<DestinationType, FakePlatform> & {
  urls: FakePlatformUrls;
  /** Resets every fake. */
  reset(): void;
  close(): Promise<void>;
};

export async function startFakePlatforms(options: FakePlatformsOptions = {}): Promise<FakePlatforms> {
  const optionsFor = (type: DestinationType, index: number): FakeOptions => {
    const merged: FakeOptions = {};
    if (options.host !== undefined) merged.host = options.host;
    if (options.validTokens !== undefined) merged.validTokens = options.validTokens;
    if (options.now !== undefined) merged.now = options.now;
    if (options.basePort !== undefined) merged.port = options.basePort + index;
    return { ...merged, ...options[type] };
  };

  const results = await Promise.allSettled(
    DESTINATION_TYPES.map(async (type, i) => {
      const start = await destinations[type].fake();
      return start(optionsFor(type, i));
    }),
  );
  const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = results.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    // Don't leak the servers that did start (their ports would stay taken in the test process).
    await Promise.all(started.map((fake) => fake.close()));
    throw (failure as PromiseRejectedResult).reason;
  }

  const byType = Object.fromEntries(DESTINATION_TYPES.map((type, i) => [type, started[i]])) as Record<
    DestinationType,
    FakePlatform
  >;
  const urls: Record<string, string> = {};
  for (const type of DESTINATION_TYPES) {
    for (const url of Object.values(destinations[type].urls)) {
      urls[url.env] = `${byType[type].url}${url.fakePath ?? ''}`;
    }
  }
  return {
    ...byType,
    urls,
    reset(): void {
      for (const fake of started) fake.reset();
    },
    async close(): Promise<void> {
      await Promise.all(started.map((fake) => fake.close()));
    },
  };
}
