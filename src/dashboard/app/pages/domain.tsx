/**
 * One domain: its setup steps (CNAME, live DNS verification, tokens for the plugin), its destinations (forms
 * derived from the registry's schemas, masked credentials, pause / resume, test event, health) and the
 * domain's own actions (regenerate the sync token, resync, delete).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, type Destination, type DestinationType, type DomainDetail, get } from '../api.js';
import { SchemaFields, toConfig, useSchemaForm } from '../schema-form.js';
import { useSession } from '../session.js';
import {
  ConfirmButton,
  CopyButton,
  Empty,
  ErrorBox,
  Link,
  Loading,
  navigate,
  Page,
  percent,
  ShownOnce,
  Status,
  useData,
  when,
} from '../ui.js';
import { justCreated } from './domains.js';

interface VerifyResult {
  verified: boolean;
  status: string;
  message: string;
  found: { cname: string[]; txt: string[] };
  errors: string[];
}

function DnsStep(props: { domain: DomainDetail; onVerified: () => void }) {
  const { can } = useSession();
  const d = props.domain;
  const [check, setCheck] = useState<VerifyResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const verified = d.status === 'active' && d.verifiedAt !== null;
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const result = await api<VerifyResult>('POST', `/v1/domains/${d.id}/verify`);
      setCheck(result);
      if (result.verified) props.onVerified();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  // Live status: while DNS is not verified and the page is visible, look again every 30 seconds.
  useEffect(() => {
    if (verified || !can('member')) return;
    void run();
    const timer = setInterval(() => document.visibilityState === 'visible' && void run(), 30_000);
    return () => clearInterval(timer);
  }, [d.id, verified]);
  return (
    <li>
      <h3>Point the domain to Tagbridge</h3>
      <p>At your DNS provider, create this record:</p>
      <div class="table-wrap">
        <table class="dns">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>CNAME</td>
              <td>
                <code data-testid="cname-name">{d.dns.cname.name}</code>
              </td>
              <td>
                <code data-testid="cname-value">{d.dns.cname.value}</code>{' '}
                <CopyButton value={d.dns.cname.value} label="Copy value" />
              </td>
            </tr>
          </tbody>
        </table>
      </div>
      <details>
        <summary>Behind a CDN, or the name cannot be a CNAME?</summary>
        <p>
          Create a TXT record <code>{d.dns.txt.name}</code> with the value{' '}
          <code class="secret">{d.dns.txt.value}</code> instead.
        </p>
      </details>
      <p aria-live="polite" data-testid="dns-status">
        DNS status: <Status value={verified ? 'active' : d.status} />{' '}
        {verified
          ? `verified ${when(d.verifiedAt)}`
          : check
            ? check.message
            : 'not verified yet. DNS changes can take a few minutes to an hour.'}
      </p>
      {check && check.errors.length > 0 && (
        <p class="muted">Lookups that failed: {check.errors.join('; ')}</p>
      )}
      {can('member') && (
        <button type="button" onClick={run} disabled={busy}>
          {busy ? 'Checking…' : 'Check DNS now'}
        </button>
      )}
      <ErrorBox error={error} />
    </li>
  );
}

function TokenStep(props: { domain: DomainDetail; syncToken: string | null; onSyncTokenSeen: () => void }) {
  const { can } = useSession();
  const [shown, setShown] = useState(false);
  const d = props.domain;
  return (
    <li>
      <h3>Connect the shop</h3>
      {props.syncToken && (
        <ShownOnce title="Sync token for the plugin" value={props.syncToken} onDone={props.onSyncTokenSeen}>
          <p>
            Paste it into Pixel Manager's server-side settings (it lets the plugin push its configuration).
          </p>
        </ShownOnce>
      )}
      <p>
        The shop sends its events to <code>https://{d.host}/v1/events</code> with the proxy token in the{' '}
        <code>X-SSP-Token</code> header. Preview: <code>{d.proxyTokenPreview}</code>.
      </p>
      {can('admin') && d.proxyToken ? (
        shown ? (
          <p>
            <code class="secret" data-testid="proxy-token">
              {d.proxyToken}
            </code>{' '}
            <CopyButton value={d.proxyToken} label="Copy proxy token" />{' '}
            <button type="button" onClick={() => setShown(false)}>
              Hide
            </button>
          </p>
        ) : (
          <button type="button" onClick={() => setShown(true)}>
            Show proxy token
          </button>
        )
      ) : (
        <p class="muted">Only admins and owners can see the proxy token.</p>
      )}
    </li>
  );
}

function DestinationForm(props: {
  domainId: string;
  type: DestinationType;
  current?: Destination;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const form = useSchemaForm(props.type, props.current?.config);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="card"
      aria-label={`${props.type.label} settings`}
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          await api('PUT', `/v1/domains/${props.domainId}/destinations/${props.type.type}`, {
            config: toConfig(props.type, form.values, props.current?.enabled),
          });
          props.onSaved();
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h3>
        {props.current ? 'Change' : 'Add'} {props.type.label}
      </h3>
      <p class="muted">{props.type.configSchema.title}</p>
      <SchemaFields
        type={props.type}
        values={form.values}
        masked={props.current?.config}
        onChange={form.setValues}
      />
      <button type="submit" class="primary" disabled={busy}>
        Save {props.type.label}
      </button>{' '}
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
      <ErrorBox error={error} title="Not saved." />
    </form>
  );
}

function DestinationCard(props: {
  domainId: string;
  destination: Destination;
  type: DestinationType | undefined;
  reload: () => void;
}) {
  const { can } = useSession();
  const x = props.destination;
  const [editing, setEditing] = useState(false);
  const [test, setTest] = useState<{ ok: boolean; statusCode: number | null; error: string | null } | null>(
    null,
  );
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (editing && props.type)
    return (
      <DestinationForm
        domainId={props.domainId}
        type={props.type}
        current={x}
        onSaved={() => {
          setEditing(false);
          props.reload();
        }}
        onCancel={() => setEditing(false)}
      />
    );
  return (
    <article class="card destination" aria-labelledby={`dst-${x.id}`} data-testid={`destination-${x.type}`}>
      <h3 id={`dst-${x.id}`}>
        {x.label} <Status value={x.status} />
      </h3>
      {x.lastError && (
        <blockquote class="platform-message">
          <span class="muted">The platform said:</span> {x.lastError}
        </blockquote>
      )}
      {x.status === 'needs_attention' && (
        <p>
          The platform refused the credentials. Deliveries wait until you save working ones
          {can('admin') ? ' (Change settings below)' : ' (ask an admin)'}, then replay the failed events from
          the <Link href={`/app/events?domainId=${props.domainId}&outcome=failed`}>events page</Link>.
        </p>
      )}
      <dl class="config">
        {Object.entries(x.config).map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>
              <code>{typeof v === 'string' ? v : JSON.stringify(v)}</code>
            </dd>
          </div>
        ))}
      </dl>
      <p class="muted">
        Last {x.stats.windowDays} days: {x.stats.delivered} delivered, {x.stats.failed} failed, {x.stats.dead}{' '}
        dead, {x.stats.skipped} skipped, {x.stats.pending} waiting — success {percent(x.stats.successRate)}.
        Last delivery {when(x.lastDeliveryAt)}.
      </p>
      <div class="actions">
        {can('member') && (
          <button
            type="button"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                await api('PATCH', `/v1/domains/${props.domainId}/destinations/${x.id}`, {
                  enabled: !x.enabled,
                });
                props.reload();
              } catch (e) {
                setError(e);
              } finally {
                setBusy(false);
              }
            }}
          >
            {x.enabled ? 'Pause' : 'Resume'}
          </button>
        )}
        {can('member') && (
          <button
            type="button"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              setError(null);
              setTest(null);
              try {
                setTest(await api('POST', `/v1/domains/${props.domainId}/destinations/${x.id}/test`));
                props.reload();
              } catch (e) {
                setError(e);
              } finally {
                setBusy(false);
              }
            }}
          >
            Send test event
          </button>
        )}
        {can('admin') && props.type && (
          <button type="button" onClick={() => setEditing(true)}>
            Change settings
          </button>
        )}
      </div>
      {test && (
        <p role="status" class={test.ok ? 'ok-text' : 'bad-text'} data-testid="test-result">
          {test.ok
            ? `Test event accepted by the platform (HTTP ${test.statusCode}).`
            : `Test event refused (HTTP ${test.statusCode ?? 'no answer'}): ${test.error ?? 'no message'}`}
        </p>
      )}
      <ErrorBox error={error} />
    </article>
  );
}

function Destinations(props: { domainId: string }) {
  const { can } = useSession();
  const list = useData(
    () => get<{ destinations: Destination[] }>(`/v1/domains/${props.domainId}/destinations`),
    `dst-${props.domainId}`,
    30_000,
  );
  const types = useData(() => get<{ types: DestinationType[] }>('/v1/destination-types'), 'types');
  const [adding, setAdding] = useState<string>('');
  const typeOf = (t: string) => types.data?.types.find((x) => x.type === t);
  const present = new Set(list.data?.destinations.map((d) => d.type));
  const addable = (types.data?.types ?? []).filter((t) => !present.has(t.type));
  return (
    <section aria-labelledby="destinations-title">
      <h2 id="destinations-title">Destinations</h2>
      <ErrorBox error={list.error ?? types.error} />
      {!list.data ? (
        <Loading what="destinations" />
      ) : list.data.destinations.length === 0 ? (
        <Empty title="No destinations yet.">
          <p>
            Events are stored but not sent anywhere.{' '}
            {can('admin')
              ? 'Add the ad platforms to send them to (below), or let Pixel Manager sync them.'
              : 'An admin can add ad platforms, or Pixel Manager syncs them.'}
          </p>
        </Empty>
      ) : (
        list.data.destinations.map((x) => (
          <DestinationCard
            key={x.id}
            domainId={props.domainId}
            destination={x}
            type={typeOf(x.type)}
            reload={list.reload}
          />
        ))
      )}
      {can('admin') && addable.length > 0 && (
        <div class="card">
          <label for="add-destination">Add a destination</label>{' '}
          <select id="add-destination" value={adding} onChange={(e) => setAdding(e.currentTarget.value)}>
            <option value="">Choose a platform…</option>
            {addable.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
          </select>
        </div>
      )}
      {adding && typeOf(adding) && (
        <DestinationForm
          key={adding}
          domainId={props.domainId}
          type={typeOf(adding)!}
          onSaved={() => {
            setAdding('');
            list.reload();
          }}
          onCancel={() => setAdding('')}
        />
      )}
    </section>
  );
}

export function DomainPage(props: { id: string }) {
  const { can } = useSession();
  const detail = useData(() => get<DomainDetail>(`/v1/domains/${encodeURIComponent(props.id)}`), props.id);
  const [syncToken, setSyncToken] = useState<string | null>(() => justCreated.get(props.id) ?? null);
  const [resync, setResync] = useState<{
    ok: boolean;
    statusCode: number | null;
    error: string | null;
  } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const d = detail.data;
  if (!d)
    return (
      <Page title="Domain">
        {detail.error ? <ErrorBox error={detail.error} /> : <Loading what="the domain" />}
        <p>
          <Link href="/app/domains">Back to domains</Link>
        </p>
      </Page>
    );
  return (
    <Page title={d.host}>
      <p>
        <Link href="/app/domains">Domains</Link> › {d.host} · <Status value={d.status} /> ·{' '}
        <Link href={`/app/events?domainId=${d.id}`}>Events of this domain</Link> ·{' '}
        <Link href={`/app/domains/${d.id}/quality`}>Match quality and orders</Link> ·{' '}
        <Link href={`/app/domains/${d.id}/attribution`}>Attribution</Link> ·{' '}
        <Link href={`/app/domains/${d.id}/pixel`}>Pixel keys</Link> ·{' '}
        <Link href={`/app/domains/${d.id}/shop`}>Shop connection</Link>
      </p>
      <section aria-labelledby="setup-title" class="card">
        <h2 id="setup-title">Setup</h2>
        <ol class="steps">
          <DnsStep domain={d} onVerified={detail.reload} />
          <TokenStep
            domain={d}
            syncToken={syncToken}
            onSyncTokenSeen={() => {
              justCreated.delete(d.id);
              setSyncToken(null);
            }}
          />
          <li>
            <h3>Choose where events go</h3>
            <p>Add a destination below for each ad platform, or let Pixel Manager sync them.</p>
          </li>
        </ol>
      </section>
      <Destinations domainId={d.id} />
      <section aria-labelledby="manage-title" class="card">
        <h2 id="manage-title">Manage the domain</h2>
        <p class="muted">
          Plugin callback:{' '}
          {d.callback
            ? `${d.callback.url} (registered ${when(d.callback.registeredAt)})`
            : 'not registered yet'}
          . Last sync {when(d.lastSyncedAt)}.
        </p>
        <div class="actions">
          {can('member') && (
            <button
              type="button"
              onClick={async () => {
                setError(null);
                try {
                  setResync(await api('POST', `/v1/domains/${d.id}/resync`));
                } catch (e) {
                  setError(e);
                }
              }}
            >
              Ask the shop to resync
            </button>
          )}
          {can('admin') && (
            <ConfirmButton
              label="Regenerate sync token"
              question="The plugin's current sync token stops working at once; you will paste the new one into the plugin."
              onConfirm={async () => {
                const res = await api<{ syncToken: string }>('POST', `/v1/domains/${d.id}/regenerate-token`);
                setSyncToken(res.syncToken);
              }}
            />
          )}
          {can('admin') && (
            <ConfirmButton
              label="Delete domain"
              danger
              question={`Delete ${d.host}? The shop's events stop being accepted, its destinations and credentials are removed and queued deliveries end. The event log keeps its events.`}
              onConfirm={async () => {
                await api('DELETE', `/v1/domains/${d.id}`);
                navigate('/app/domains');
              }}
            />
          )}
        </div>
        {resync && (
          <p role="status" class={resync.ok ? 'ok-text' : 'bad-text'}>
            {resync.ok
              ? `The shop answered (HTTP ${resync.statusCode}); its configuration will arrive shortly.`
              : `Resync did not reach the shop: ${resync.error ?? `HTTP ${resync.statusCode}`}. The plugin registers its callback when it is connected.`}
          </p>
        )}
        <ErrorBox error={error} />
      </section>
    </Page>
  );
}
