/** Overview: per domain, traffic (24 h, 30 days, per day), delivery success per destination, queue depth,
 * and the destinations that need attention with the platform's own message. */
import { type Destination, get } from '../api.js';
import { DailyChart, ShareBars } from '../chart.js';
import { useSession } from '../session.js';
import { Empty, ErrorBox, Link, Loading, Page, percent, Status, useData } from '../ui.js';

interface Overview {
  days: number;
  domains: Array<{
    id: string;
    host: string;
    status: string;
    events24h: number;
    events30d: number;
    daily: Array<{ day: string; events: number }>;
  }>;
}

async function load() {
  const overview = await get<Overview>('/v1/org/overview');
  const destinations = await Promise.all(
    overview.domains.map((d) =>
      get<{ destinations: Destination[] }>(`/v1/domains/${encodeURIComponent(d.id)}/destinations`).then(
        (r) => r.destinations,
      ),
    ),
  );
  return { overview, destinations };
}

export function OverviewPage() {
  const { can } = useSession();
  const data = useData(load, 'overview', 30_000);
  if (!data.data)
    return (
      <Page title="Overview">
        {data.error ? <ErrorBox error={data.error} /> : <Loading what="the overview" />}
      </Page>
    );
  const { overview, destinations } = data.data;
  const attention = overview.domains.flatMap((d, i) =>
    (destinations[i] ?? [])
      .filter((x) => x.status === 'needs_attention' || (x.lastError && x.stats.failed + x.stats.dead > 0))
      .map((x) => ({ domain: d, destination: x })),
  );
  return (
    <Page title="Overview">
      <ErrorBox error={data.error} />
      {overview.domains.length === 0 ? (
        <Empty title="No domains yet.">
          <p>
            Tagbridge receives your shop's events on a proxy domain such as <code>ssp.yourshop.com</code>.{' '}
            {can('admin') ? (
              <>
                Start by <Link href="/app/domains">adding your first domain</Link>: the setup steps follow.
              </>
            ) : (
              'Ask an admin of your organisation to add one.'
            )}
          </p>
        </Empty>
      ) : (
        <>
          <section aria-labelledby="attention-title" class="card">
            <h2 id="attention-title">Needs attention</h2>
            {attention.length === 0 ? (
              <p>Every destination is delivering. Nothing to do.</p>
            ) : (
              <ul class="attention" data-testid="attention">
                {attention.map(({ domain, destination }) => (
                  <li key={destination.id}>
                    <Status value={destination.status} /> <strong>{destination.label}</strong> on{' '}
                    <Link href={`/app/domains/${domain.id}`}>{domain.host}</Link>
                    {destination.lastError && (
                      <blockquote class="platform-message">
                        <span class="muted">The platform said:</span> {destination.lastError}
                      </blockquote>
                    )}
                    <p class="muted">
                      {destination.status === 'needs_attention'
                        ? 'The platform refused the credentials; deliveries wait until you enter working ones. '
                        : 'Some deliveries failed. '}
                      <Link href={`/app/domains/${domain.id}`}>Fix the destination</Link>, then{' '}
                      <Link href={`/app/events?domainId=${domain.id}&outcome=failed`}>
                        replay the failed events
                      </Link>
                      .
                    </p>
                  </li>
                ))}
              </ul>
            )}
          </section>
          {overview.domains.map((d, i) => {
            const list = destinations[i] ?? [];
            const queue = list.reduce((n, x) => n + x.stats.pending, 0);
            return (
              <section key={d.id} class="card" aria-labelledby={`dom-${d.id}`}>
                <h2 id={`dom-${d.id}`}>
                  <Link href={`/app/domains/${d.id}`}>{d.host}</Link> <Status value={d.status} />
                </h2>
                <dl class="stats">
                  <div>
                    <dt>Events, last 24 h</dt>
                    <dd data-testid="events-24h">{d.events24h}</dd>
                  </div>
                  <div>
                    <dt>Events, last 30 days</dt>
                    <dd>{d.events30d}</dd>
                  </div>
                  <div>
                    <dt>Queue (waiting deliveries)</dt>
                    <dd>{queue}</dd>
                  </div>
                  <div>
                    <dt>Destinations</dt>
                    <dd>{list.length}</dd>
                  </div>
                </dl>
                <div class="grid2">
                  <DailyChart
                    title={`Events per day, last ${overview.days} days`}
                    days={d.daily.map((x) => x.day)}
                    series={[
                      { label: 'Events', values: d.daily.map((x) => x.events), color: '#1f5fa8', bars: true },
                    ]}
                  />
                  {list.length === 0 ? (
                    <Empty title="No destinations on this domain.">
                      <p>
                        Events are stored but sent nowhere.{' '}
                        <Link href={`/app/domains/${d.id}`}>Add a destination</Link> (Meta, TikTok, …).
                      </p>
                    </Empty>
                  ) : (
                    <ShareBars
                      title={`Delivery success per destination, last ${list[0]?.stats.windowDays ?? 7} days`}
                      rows={list.map((x) => ({
                        label: x.label,
                        value: x.stats.successRate,
                        note: `${x.stats.delivered} delivered, ${x.stats.failed + x.stats.dead} failed, ${x.stats.pending} waiting · ${x.status.replace(/_/g, ' ')}`,
                      }))}
                    />
                  )}
                </div>
                <p class="muted">
                  Success: {list.map((x) => `${x.type} ${percent(x.stats.successRate)}`).join(' · ') || '—'}
                </p>
              </section>
            );
          })}
        </>
      )}
    </Page>
  );
}
