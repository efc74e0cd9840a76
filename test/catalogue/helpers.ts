/** What the catalogue tests share: waits that move a manual clock, the sync's dependencies, the environment. */
import type { SyncDeps } from '../../src/catalogue/run-sync.js';
import { storeTransport, type Waits } from '../../src/catalogue/store-client.js';
import type { ManualClock } from '../../src/lib/clock.js';
import type { Service } from '../../src/main.js';

/** Waits that advance the manual clock at once (and remember every wait). */
export function clockWaits(clock: ManualClock): Waits & { slept: number[] } {
  const slept: number[] = [];
  return {
    slept,
    now: () => clock.now(),
    sleep: async (ms) => {
      slept.push(ms);
      clock.advance(ms);
    },
  };
}

export function syncDeps(service: Service, clock: ManualClock, waits: Waits = clockWaits(clock)): SyncDeps {
  return {
    storage: service.storage,
    sealer: service.sealer,
    config: service.config,
    clock,
    transport: storeTransport(service.config),
    waits,
  };
}

export const CATALOGUE_ENV = {
  ALLOW_PRIVATE_NETWORK_TARGETS: '1',
  CATALOGUE_REQUESTS_PER_SECOND: '50',
  CATALOGUE_POLL_INTERVAL_MS: '3600000',
};
