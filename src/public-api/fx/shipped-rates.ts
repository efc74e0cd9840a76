/**
 * The ECB euro foreign exchange reference rates that ship with Tagbridge: the stats convert revenue with
 * them until the scheduled refresh (refresh.ts) has stored newer ones. Units of each currency per 1 EUR,
 * copied digit for digit from the ECB's daily file (eurofxref-daily.xml) of the date below. BGN is absent:
 * Bulgaria adopted the euro on 2026-01-01 and the ECB stopped quoting it.
 */
export const SHIPPED_RATES = {
  date: '2026-03-13',
  source: 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml',
  rates: {
    USD: '1.1476',
    JPY: '182.85',
    CZK: '24.437',
    DKK: '7.4726',
    GBP: '0.86503',
    HUF: '391.48',
    PLN: '4.2675',
    RON: '5.0947',
    SEK: '10.7545',
    CHF: '0.9034',
    ISK: '144.20',
    NOK: '11.1590',
    TRY: '50.7122',
    AUD: '1.6293',
    BRL: '6.0172',
    CAD: '1.5726',
    CNY: '7.9145',
    HKD: '8.9827',
    IDR: '19395.07',
    ILS: '3.5883',
    INR: '106.0205',
    KRW: '1711.87',
    MXN: '20.4517',
    MYR: '4.5198',
    NZD: '1.9691',
    PHP: '68.301',
    SGD: '1.4685',
    THB: '36.953',
    ZAR: '19.2754',
  },
} as const satisfies { date: string; source: string; rates: Record<string, string> };
