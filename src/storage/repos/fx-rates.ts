/** ECB reference rates (units per 1 EUR) by publication day: the shipped table and later refreshes. */
import type { DB } from '../db.js';

export interface FxRateRow {
  date: string;
  currency: string;
  rate: string;
}

export async function allFxRates(db: DB): Promise<FxRateRow[]> {
  return db.selectFrom('fx_rates').select(['date', 'currency', 'rate']).orderBy('date').execute();
}

/**
 * Stores one day's rates. `shipped` rows never overwrite anything (every start offers them again);
 * rates fetched from the ECB replace what is stored for that day.
 */
export async function storeFxRates(
  db: DB,
  input: { date: string; rates: Record<string, string>; source: 'shipped' | 'ecb'; now: number },
): Promise<void> {
  const rows = Object.entries(input.rates).map(([currency, rate]) => ({
    date: input.date,
    currency,
    rate,
    source: input.source,
    fetched_at: input.now,
  }));
  if (rows.length === 0) return;
  await db
    .insertInto('fx_rates')
    .values(rows)
    .onConflict((oc) =>
      input.source === 'shipped'
        ? oc.columns(['date', 'currency']).doNothing()
        : oc.columns(['date', 'currency']).doUpdateSet((eb) => ({
            rate: eb.ref('excluded.rate'),
            source: eb.ref('excluded.source'),
            fetched_at: eb.ref('excluded.fetched_at'),
          })),
    )
    .execute();
}
