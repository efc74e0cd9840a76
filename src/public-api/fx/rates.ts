/**
 * Currency conversion with ECB reference rates. A day's rate is the latest ECB publication on or before it
 * (the ECB publishes on TARGET business days only); a day before the oldest stored publication uses the
 * oldest. Rates are quoted as units per 1 EUR, so any pair converts through the euro.
 */
import type { Clock } from '../../lib/clock.js';
import type { DB } from '../../storage/db.js';
import { allFxRates, storeFxRates } from '../../storage/repos/fx-rates.js';
import { SHIPPED_RATES } from './shipped-rates.js';

export class RateTable {
  /** Publication days, ascending. */
  private readonly dates: string[];
  private readonly currencies: Set<string>;

  constructor(private readonly byDate: Map<string, Map<string, number>>) {
    this.dates = [...byDate.keys()].sort();
    this.currencies = new Set(['EUR']);
    for (const rates of byDate.values()) for (const currency of rates.keys()) this.currencies.add(currency);
  }

  static fromRows(rows: Array<{ date: string; currency: string; rate: string }>): RateTable {
    const byDate = new Map<string, Map<string, number>>();
    for (const row of rows) {
      const day = byDate.get(row.date) ?? new Map<string, number>();
      day.set(row.currency, Number(row.rate));
      byDate.set(row.date, day);
    }
    return new RateTable(byDate);
  }

  get latestDate(): string | null {
    return this.dates[this.dates.length - 1] ?? null;
  }

  supports(currency: string): boolean {
    return this.currencies.has(currency);
  }

  /** Units of `currency` per EUR on `day` (YYYY-MM-DD), with the publication used. */
  rate(currency: string, day: string): { rate: number; date: string | null } | undefined {
    if (currency === 'EUR') return { rate: 1, date: null };
    // Latest publication on or before the day that quotes this currency.
    for (let i = this.dates.length - 1; i >= 0; i -= 1) {
      const date = this.dates[i]!;
      if (date > day) continue;
      const rate = this.byDate.get(date)?.get(currency);
      if (rate !== undefined) return { rate, date };
    }
    for (const date of this.dates) {
      const rate = this.byDate.get(date)?.get(currency);
      if (rate !== undefined) return { rate, date };
    }
    return undefined;
  }

  /** `amount` in `from` expressed in `to`, at the rates of `day`; undefined when a currency is unknown. */
  convert(amount: number, from: string, to: string, day: string): number | undefined {
    if (from === to) return amount;
    const source = this.rate(from, day);
    const target = this.rate(to, day);
    if (!source || !target) return undefined;
    return (amount / source.rate) * target.rate;
  }
}

/** The rate table of this process: loaded from the database (seeded with the shipped rates), reloaded every few minutes. */
export class FxRates {
  private cached: { table: RateTable; loadedAt: number } | null = null;
  private seeded = false;

  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  async table(): Promise<RateTable> {
    const now = this.clock.now();
    if (this.cached && now - this.cached.loadedAt < this.ttlMs) return this.cached.table;
    if (!this.seeded) {
      await storeFxRates(this.db, {
        date: SHIPPED_RATES.date,
        rates: SHIPPED_RATES.rates,
        source: 'shipped',
        now,
      });
      this.seeded = true;
    }
    const table = RateTable.fromRows(await allFxRates(this.db));
    this.cached = { table, loadedAt: now };
    return table;
  }

  /** After a refresh stored new rates. */
  invalidate(): void {
    this.cached = null;
  }
}
