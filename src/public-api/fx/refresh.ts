/**
 * The scheduled refresh of the ECB reference rates: fetch the daily XML, parse it, store the day. When the
 * network does not allow it (air-gapped installs, tests), the failure is logged and the stored rates —
 * at least the shipped table — keep serving. Runs on nodes that serve HTTP, shortly after listening and
 * then every few hours; several nodes refreshing is harmless (the same rows are written). FX_RATES_FETCH=false
 * turns it off (no outbound request at all), FX_RATES_URL points it at a mirror.
 */

import { ECB_DAILY_URL } from '../../config.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { DB } from '../../storage/db.js';
import { storeFxRates } from '../../storage/repos/fx-rates.js';
import { parseEcbXml } from './ecb.js';
import type { FxRates } from './rates.js';

export { ECB_DAILY_URL };

const FETCH_TIMEOUT_MS = 10_000;
const FIRST_RUN_DELAY_MS = 5_000;
// The ECB publishes once per business day around 16:00 CET; a few runs a day catch it without hammering.
const INTERVAL_MS = 6 * 3600_000;

export type FetchText = (url: string, signal: AbortSignal) => Promise<string>;

export const fetchText: FetchText = async (url, signal) => {
  const response = await fetch(url, { signal, headers: { accept: 'application/xml, text/xml' } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.text();
};

export type RefreshResult = { ok: true; date: string; currencies: number } | { ok: false; error: string };

export async function refreshEcbRates(
  deps: { db: DB; clock: Clock; fx: FxRates; log: Logger },
  fetcher: FetchText = fetchText,
  options: { url?: string; signal?: AbortSignal } = {},
): Promise<RefreshResult> {
  const url = options.url ?? ECB_DAILY_URL;
  const timeout = AbortSignal.timeout(FETCH_TIMEOUT_MS);
  try {
    const xml = await fetcher(url, options.signal ? AbortSignal.any([options.signal, timeout]) : timeout);
    const days = parseEcbXml(xml);
    for (const day of days) {
      await storeFxRates(deps.db, { date: day.date, rates: day.rates, source: 'ecb', now: deps.clock.now() });
    }
    deps.fx.invalidate();
    const latest = days[0]!;
    deps.log.info(
      { date: latest.date, currencies: Object.keys(latest.rates).length },
      'ECB reference rates refreshed',
    );
    return { ok: true, date: latest.date, currencies: Object.keys(latest.rates).length };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.log.warn(
      { url, err: message },
      'ECB reference rates could not be refreshed; the stored rates stay in use',
    );
    return { ok: false, error: message };
  }
}

/** Timers of the refresh; unref'd so they never keep a process alive. */
export class EcbRefreshSchedule {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RefreshResult> | null = null;
  // Aborts a fetch in flight on shutdown: an unreachable ECB must not hold SIGTERM for the fetch timeout.
  private readonly stopping = new AbortController();

  constructor(
    private readonly deps: { db: DB; clock: Clock; fx: FxRates; log: Logger },
    private readonly fetcher: FetchText = fetchText,
    private readonly url: string = ECB_DAILY_URL,
  ) {}

  start(firstRunDelayMs = FIRST_RUN_DELAY_MS): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.tick(), firstRunDelayMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stopping.abort();
    if (this.running) await this.running;
  }

  private tick(): void {
    if (this.stopping.signal.aborted) return;
    const options = { url: this.url, signal: this.stopping.signal };
    this.running = refreshEcbRates(this.deps, this.fetcher, options).finally(() => {
      this.running = null;
    });
    this.timer = setTimeout(() => this.tick(), INTERVAL_MS);
    this.timer.unref();
  }
}
