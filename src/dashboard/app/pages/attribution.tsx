/**
 * A domain's attribution (docs/attribution.md): its orders in the period credited to the pixel's
 * touchpoints (ad clicks, UTM, referrers) as first and as last click per channel — a table — and the orders
 * per day, attributed or not — a chart — with the orders and their first and last touchpoint. No click id
 * values or URLs: the API keeps them back.
 */
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { DailyChart } from '../chart.js';
import { Empty, ErrorBox, Link, Loading, useData, when } from '../ui.js';
import { DomainFrame } from './domain-frame.js';

type Revenue = Array<{ currency: string | null; value: number }>;
interface Tally {
  orders: number;
  revenue: Revenue;
}
interface Touch {
  channel: string;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  occurredAt: string;
}
export interface AttributionReport {
  from: string;
  to: string;
  windowDays: number;
  totals: Tally & { unattributed: Tally };
  channels: Array<{ channel: string; firstClick: Tally; lastClick: Tally }>;
  truncated: boolean;
  orders: Array<{
    orderId: string;
    value: number | null;
    currency: string | null;
    occurredAt: string;
    touchpoints: number;
    firstClick: Touch | null;
    lastClick: Touch | null;
  }>;
  nextCursor: string | null;
}

const CHANNEL: Record<string, string> = {
  meta: 'Meta ads',
  google_ads: 'Google Ads',
  microsoft: 'Microsoft Ads',
  tiktok: 'TikTok ads',
  pinterest: 'Pinterest ads',
  snapchat: 'Snapchat ads',
  reddit: 'Reddit ads',
  utm: 'Other campaigns (UTM)',
  referral: 'Referrals',
};
const channelName = (c: string) => CHANNEL[c] ?? c;

const money = (revenue: Revenue) =>
  revenue.length === 0
    ? '—'
    : revenue.map((r) => `${r.value.toFixed(2)}${r.currency ? ` ${r.currency}` : ''}`).join(', ');

const touch = (t: Touch | null) =>
  t === null
    ? 'none in the window'
    : `${channelName(t.channel)}${t.utmSource ? ` (${[t.utmSource, t.utmMedium, t.utmCampaign].filter(Boolean).join(' / ')})` : ''}`;

/** The days from `from` to `to` (UTC), and per day the listed orders with and without a touchpoint. */
function perDay(report: AttributionReport): { days: string[]; attributed: number[]; unattributed: number[] } {
  const days: string[] = [];
  const end = Date.parse(report.to);
  for (let t = Date.parse(report.from.slice(0, 10)); t < end; t += 86_400_000)
    days.push(new Date(t).toISOString().slice(0, 10));
  const attributed = days.map(() => 0);
  const unattributed = days.map(() => 0);
  for (const o of report.orders) {
    const i = days.indexOf(o.occurredAt.slice(0, 10));
    if (i < 0) continue;
    if (o.lastClick) attributed[i]! += 1;
    else unattributed[i]! += 1;
  }
  return { days, attributed, unattributed };
}

function Report(props: { domainId: string }) {
  const [days, setDays] = useState(30);
  const from = new Date(Date.now() - days * 86_400_000).toISOString();
  const report = useData(
    () =>
      get<AttributionReport>(
        `/v1/domains/${encodeURIComponent(props.domainId)}/attribution?from=${encodeURIComponent(from)}&limit=1000`,
      ),
    `attribution-${props.domainId}-${days}`,
  );
  const r = report.data;
  const chart = r ? perDay(r) : null;
  return (
    <>
      <div class="field">
        <label for="a-days">Period</label>
        <select id="a-days" value={String(days)} onChange={(e) => setDays(Number(e.currentTarget.value))}>
          <option value="7">Last 7 days</option>
          <option value="30">Last 30 days</option>
          <option value="92">Last 92 days</option>
        </select>
      </div>
      <ErrorBox error={report.error} />
      {!r ? (
        !report.error && <Loading what="the attribution report" />
      ) : r.totals.orders === 0 ? (
        <Empty title="No orders in this period.">
          <p>
            Attribution credits each order to the ad clicks and campaigns that brought the buyer, across their
            devices. It needs two things: the pixel on the shop’s pages, to see the visits (create a key and
            paste its snippet on the <Link href={`/app/domains/${props.domainId}/pixel`}>pixel keys</Link>{' '}
            page), and the shop’s purchases (sent by the plugin, the pixel, or the{' '}
            <Link href={`/app/domains/${props.domainId}/shop`}>shop connection</Link>).
          </p>
        </Empty>
      ) : (
        <>
          <p data-testid="attribution-totals">
            {r.totals.orders} {r.totals.orders === 1 ? 'order' : 'orders'} ({money(r.totals.revenue)});{' '}
            {r.totals.unattributed.orders} without a touchpoint in the {r.windowDays}-day window.
            {r.truncated ? ' Only the oldest orders of the period were counted.' : ''}
          </p>
          <section class="card" aria-labelledby="channels-title">
            <h2 id="channels-title">Orders per channel</h2>
            <div class="table-wrap">
              <table data-testid="attribution-channels">
                <caption>First and last click per channel</caption>
                <thead>
                  <tr>
                    <th scope="col">Channel</th>
                    <th scope="col">Orders, first click</th>
                    <th scope="col">Revenue, first click</th>
                    <th scope="col">Orders, last click</th>
                    <th scope="col">Revenue, last click</th>
                  </tr>
                </thead>
                <tbody>
                  {r.channels.map((c) => (
                    <tr key={c.channel}>
                      <th scope="row">{channelName(c.channel)}</th>
                      <td>{c.firstClick.orders}</td>
                      <td>{money(c.firstClick.revenue)}</td>
                      <td>{c.lastClick.orders}</td>
                      <td>{money(c.lastClick.revenue)}</td>
                    </tr>
                  ))}
                  <tr>
                    <th scope="row">No touchpoint</th>
                    <td>{r.totals.unattributed.orders}</td>
                    <td>{money(r.totals.unattributed.revenue)}</td>
                    <td>{r.totals.unattributed.orders}</td>
                    <td>{money(r.totals.unattributed.revenue)}</td>
                  </tr>
                </tbody>
              </table>
            </div>
          </section>
          {chart && (
            <section class="card" aria-labelledby="daily-title">
              <h2 id="daily-title">Orders per day</h2>
              <DailyChart
                title={`Orders per day, with and without a touchpoint${r.nextCursor ? ` (the first ${r.orders.length})` : ''}`}
                days={chart.days}
                series={[
                  { label: 'With a touchpoint', values: chart.attributed, color: '#1f6feb', bars: true },
                  { label: 'Without', values: chart.unattributed, color: '#8a8f98' },
                ]}
              />
            </section>
          )}
          <section class="card" aria-labelledby="orders-title">
            <h2 id="orders-title">Orders</h2>
            <div class="table-wrap">
              <table>
                <caption>Orders of the period, oldest first, with their first and last touchpoint</caption>
                <thead>
                  <tr>
                    <th scope="col">Order</th>
                    <th scope="col">When</th>
                    <th scope="col">Value</th>
                    <th scope="col">Touchpoints</th>
                    <th scope="col">First click</th>
                    <th scope="col">Last click</th>
                  </tr>
                </thead>
                <tbody>
                  {r.orders.map((o) => (
                    <tr key={o.orderId} data-testid="attribution-order">
                      <td>{o.orderId}</td>
                      <td>{when(o.occurredAt)}</td>
                      <td>{o.value === null ? '—' : `${o.value.toFixed(2)} ${o.currency ?? ''}`}</td>
                      <td>{o.touchpoints}</td>
                      <td>{touch(o.firstClick)}</td>
                      <td>{touch(o.lastClick)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {r.nextCursor && (
              <p class="muted">
                The first {r.orders.length} orders are listed; the totals above cover the whole period.
              </p>
            )}
          </section>
        </>
      )}
    </>
  );
}

export function AttributionPage(props: { id: string }) {
  return (
    <DomainFrame id={props.id} page="attribution">
      {(d) => <Report domainId={d.id} />}
    </DomainFrame>
  );
}
