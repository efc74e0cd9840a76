/**
 * Events: the org's event log with its filters in the URL (so a filtered view can be linked), each event's
 * outcome per destination with its attempts and the platform's messages, replay of failed deliveries after a
 * confirmation, and live updates (the first page is fetched again every 10 seconds while visible).
 */
import { useState } from 'preact/hooks';
import { api, type DomainSummary, type EventLogItem, get, query } from '../api.js';
import { EVENT_NAMES, OUTCOMES } from '../constants.js';
import { useSession } from '../session.js';
import {
  ConfirmButton,
  Empty,
  ErrorBox,
  Link,
  Loading,
  navigate,
  Page,
  Status,
  useData,
  useLocation,
  when,
} from '../ui.js';

const FILTERS = ['domainId', 'destinationType', 'outcome', 'eventName', 'eventId', 'from', 'to'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** datetime-local (local time, no zone) ↔ ISO for the API. */
const toIso = (local: string | undefined) => (local ? new Date(local).toISOString() : undefined);

function EventRow(props: { event: EventLogItem; reload: () => void; notify: (message: string) => void }) {
  const { can } = useSession();
  const e = props.event;
  const replayable = e.deliveries.filter((d) => d.status === 'failed' || d.status === 'dead');
  return (
    <li class="event" data-testid="event">
      <details>
        <summary>
          <span class="event-name">{e.customEventName ?? e.eventName}</span> <code>{e.eventId}</code>{' '}
          <span class="muted">
            {e.domain.host} · {when(e.receivedAt)} · {e.source}
          </span>{' '}
          <span class="outcomes">
            {e.deliveries.length === 0 ? (
              <span class="muted">no destination</span>
            ) : (
              e.deliveries.map((d) => (
                <span key={d.id} class="outcome">
                  {d.destinationType} <Status value={d.status} />
                </span>
              ))
            )}
          </span>
        </summary>
        <div class="event-body">
          <p class="muted">
            Event time {when(e.eventTime)} · match keys: {e.matchKeys.join(', ') || 'none'} · personal data{' '}
            {e.personalData}
            {e.eventSourceUrl ? ` · page ${e.eventSourceUrl}` : ''}
          </p>
          {e.customData && (
            <p>
              Commerce data: <code>{JSON.stringify(e.customData)}</code>
            </p>
          )}
          {e.deliveries.map((d) => (
            <section key={d.id} class="delivery" aria-label={`Delivery to ${d.destinationType}`}>
              <h3>
                {d.destinationType} <Status value={d.status} />{' '}
                <span class="muted">
                  {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
                  {d.nextAttemptAt ? ` · next ${when(d.nextAttemptAt)}` : ''}
                </span>
              </h3>
              {d.lastError && (
                <blockquote class="platform-message" data-testid="delivery-error">
                  <span class="muted">
                    The platform said{d.lastStatusCode ? ` (HTTP ${d.lastStatusCode})` : ''}:
                  </span>{' '}
                  {d.lastError}
                </blockquote>
              )}
              {d.trace.length > 0 && (
                <div class="table-wrap">
                  <table>
                    <caption class="sr-only">Attempts</caption>
                    <thead>
                      <tr>
                        <th scope="col">#</th>
                        <th scope="col">When</th>
                        <th scope="col">HTTP</th>
                        <th scope="col">Outcome</th>
                        <th scope="col">Message</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.trace.map((t) => (
                        <tr key={t.attempt}>
                          <td>{t.attempt}</td>
                          <td>{when(t.at)}</td>
                          <td>{t.statusCode ?? '—'}</td>
                          <td>{t.outcome}</td>
                          <td>{t.message ?? ''}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
          ))}
          {can('member') && replayable.length > 0 && (
            <ConfirmButton
              label={`Replay ${replayable.length} failed deliver${replayable.length === 1 ? 'y' : 'ies'}`}
              question="Send these deliveries again now? Fix the destination first: one that needs attention holds its queue until its settings change."
              confirmLabel="Yes, replay"
              onConfirm={async () => {
                const r = await api<{ replayed: number; unavailable: number }>(
                  'POST',
                  '/v1/org/events/replay',
                  {
                    deliveryIds: replayable.map((d) => d.id),
                  },
                );
                // Said at page level: the row may leave a filtered list once its deliveries are pending again.
                props.notify(
                  `${e.eventId}: ${r.replayed} sent again${r.unavailable ? `; ${r.unavailable} cannot be (personal data already erased or destination removed)` : ''}.`,
                );
                props.reload();
              }}
            />
          )}
        </div>
      </details>
    </li>
  );
}

export function EventsPage() {
  const { can } = useSession();
  const { search } = useLocation();
  const filters: Filters = {};
  for (const f of FILTERS) {
    const v = search.get(f);
    if (v) filters[f] = v;
  }
  const [draft, setDraft] = useState<Filters>(filters);
  const [more, setMore] = useState<{ events: EventLogItem[]; cursor: string | null } | null>(null);
  const [bulk, setBulk] = useState<string | null>(null);
  const key = query(filters);
  const apiFilters = { ...filters, from: toIso(filters.from), to: toIso(filters.to) };
  const page = useData(
    () =>
      get<{ events: EventLogItem[]; nextCursor: string | null }>(
        `/v1/org/events${query({ ...apiFilters, limit: 50 })}`,
      ),
    key,
    10_000,
  );
  const domains = useData(() => get<{ domains: DomainSummary[] }>('/v1/domains'), 'domains');
  const types = useData(
    () => get<{ types: Array<{ type: string; label: string }> }>('/v1/destination-types'),
    'types',
  );
  const events = [...(page.data?.events ?? []), ...(more?.events ?? [])];
  const cursor = more ? more.cursor : (page.data?.nextCursor ?? null);
  const set = (k: keyof Filters, v: string) => setDraft({ ...draft, [k]: v });
  const select = (k: keyof Filters, label: string, options: Array<[string, string]>) => (
    <div class="field">
      <label for={`f-${k}`}>{label}</label>
      <select id={`f-${k}`} value={draft[k] ?? ''} onChange={(e) => set(k, e.currentTarget.value)}>
        <option value="">All</option>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <Page title="Events">
      <form
        class="filters card"
        aria-label="Filter events"
        onSubmit={(e) => {
          e.preventDefault();
          setMore(null);
          navigate(`/app/events${query(draft)}`);
        }}
      >
        {select(
          'domainId',
          'Domain',
          (domains.data?.domains ?? []).map((d) => [d.id, d.host]),
        )}
        {select(
          'destinationType',
          'Destination',
          (types.data?.types ?? []).map((t) => [t.type, t.label]),
        )}
        {select(
          'outcome',
          'Status',
          OUTCOMES.map((o) => [o, o]),
        )}
        {select(
          'eventName',
          'Event type',
          EVENT_NAMES.map((n) => [n, n]),
        )}
        <div class="field">
          <label for="f-eventId">Event id</label>
          <input
            id="f-eventId"
            value={draft.eventId ?? ''}
            onInput={(e) => set('eventId', e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="f-from">Received from</label>
          <input
            id="f-from"
            type="datetime-local"
            value={draft.from ?? ''}
            onInput={(e) => set('from', e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="f-to">Received before</label>
          <input
            id="f-to"
            type="datetime-local"
            value={draft.to ?? ''}
            onInput={(e) => set('to', e.currentTarget.value)}
          />
        </div>
        <div class="field buttons">
          <button type="submit" class="primary">
            Apply filters
          </button>{' '}
          <button
            type="button"
            onClick={() => {
              setDraft({});
              setMore(null);
              navigate('/app/events');
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <p class="muted" aria-live="polite">
        Updates every 10 seconds while this page is open.{page.loading ? ' Refreshing…' : ''}
      </p>
      {can('member') && (filters.outcome === 'failed' || filters.outcome === 'dead') && events.length > 0 && (
        <ConfirmButton
          label="Replay all matching failed deliveries"
          question="Send every failed delivery matching these filters again? Fix the destination first."
          confirmLabel="Yes, replay all"
          onConfirm={async () => {
            const { domainId, destinationType, eventName, eventId, from, to } = apiFilters;
            const r = await api<{ matched: number; replayed: number; unavailable: number }>(
              'POST',
              '/v1/org/events/replay',
              {
                filters: Object.fromEntries(
                  Object.entries({
                    domainId,
                    destinationType,
                    eventName,
                    eventId,
                    from,
                    to,
                    outcome: filters.outcome,
                  }).filter(([, v]) => v),
                ),
              },
            );
            setBulk(
              `${r.replayed} of ${r.matched} sent again${r.unavailable ? `, ${r.unavailable} unavailable` : ''}.`,
            );
            page.reload();
          }}
        />
      )}
      <p role="status" data-testid="replay-status">
        {bulk ?? ''}
      </p>
      <ErrorBox error={page.error} />
      {!page.data ? (
        !page.error && <Loading what="events" />
      ) : events.length === 0 ? (
        <Empty title={key ? 'No events match these filters.' : 'No events yet.'}>
          {key ? (
            <p>Widen the filters, or clear them.</p>
          ) : (
            <p>
              Events appear here as soon as your shop sends them to a domain's proxy host. Check the{' '}
              <Link href="/app/domains">setup steps of your domains</Link>.
            </p>
          )}
        </Empty>
      ) : (
        <ul class="events">
          {events.map((e) => (
            <EventRow key={e.id} event={e} reload={page.reload} notify={setBulk} />
          ))}
        </ul>
      )}
      {cursor && (
        <button
          type="button"
          onClick={async () => {
            const next = await get<{ events: EventLogItem[]; nextCursor: string | null }>(
              `/v1/org/events${query({ ...apiFilters, limit: 50, cursor })}`,
            );
            setMore({ events: [...(more?.events ?? []), ...next.events], cursor: next.nextCursor });
          }}
        >
          Load older events
        </button>
      )}
    </Page>
  );
}
