/**
 * Organisation: members and invites, usage against the quota with a daily chart, the subscription, API keys,
 * custom events, the audit log and settings. Tabs a role cannot use are not shown (the API refuses them).
 */
import { useState } from 'preact/hooks';
import { api, get, type Role } from '../api.js';
import { DailyChart } from '../chart.js';
import { DEFAULT_SCOPES, ROLES, SCOPES } from '../constants.js';
import { useSession } from '../session.js';
import {
  ConfirmButton,
  Empty,
  ErrorBox,
  Field,
  Link,
  Loading,
  Page,
  ShownOnce,
  Status,
  useData,
  when,
} from '../ui.js';
import { PrivacyTab } from './privacy.js';

const TABS: Array<{ id: string; label: string; min: Role }> = [
  { id: 'members', label: 'Members', min: 'viewer' },
  { id: 'usage', label: 'Usage & subscription', min: 'viewer' },
  { id: 'api-keys', label: 'API keys', min: 'admin' },
  { id: 'custom-events', label: 'Custom events', min: 'viewer' },
  { id: 'audit', label: 'Audit log', min: 'admin' },
  { id: 'settings', label: 'Settings', min: 'viewer' },
  { id: 'privacy', label: 'Privacy requests', min: 'owner' },
];

interface Member {
  userId: string;
  email: string;
  role: Role;
  joinedAt?: string;
}

function Members() {
  const { can, me, role } = useSession();
  const list = useData(
    () =>
      get<{ members: Member[]; invites: Array<{ email: string; role: Role; expiresAt: string }> }>(
        '/v1/org/members',
      ),
    'members',
  );
  const [email, setEmail] = useState('');
  const [inviteRole, setInviteRole] = useState<Role>('member');
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState<string | null>(null);
  const grantable = ROLES.filter((r) => r !== 'owner' || role === 'owner');
  return (
    <>
      <ErrorBox error={list.error ?? error} />
      {!list.data ? (
        <Loading what="members" />
      ) : (
        <div class="table-wrap">
          <table>
            <caption>Members</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                {can('admin') && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {list.data.members.map((m) => {
                const manageable =
                  can('admin') && m.userId !== me.user.id && (m.role !== 'owner' || role === 'owner');
                return (
                  <tr key={m.userId}>
                    <td>{m.email}</td>
                    <td>
                      {manageable ? (
                        <select
                          aria-label={`Role of ${m.email}`}
                          value={m.role}
                          onChange={async (e) => {
                            try {
                              await api('PATCH', `/v1/org/members/${m.userId}`, {
                                role: e.currentTarget.value,
                              });
                              list.reload();
                            } catch (err) {
                              setError(err);
                            }
                          }}
                        >
                          {grantable.map((r) => (
                            <option key={r} value={r}>
                              {r}
                            </option>
                          ))}
                        </select>
                      ) : (
                        m.role
                      )}
                    </td>
                    {can('admin') && (
                      <td>
                        {manageable && (
                          <ConfirmButton
                            label="Remove"
                            danger
                            question={`Remove ${m.email} from the organisation? Their sessions lose access at once.`}
                            onConfirm={async () => {
                              await api('DELETE', `/v1/org/members/${m.userId}`);
                              list.reload();
                            }}
                          />
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {list.data && list.data.invites.length > 0 && (
        <>
          <h2>Open invitations</h2>
          <ul>
            {list.data.invites.map((i) => (
              <li key={i.email}>
                {i.email} as {i.role}, until {when(i.expiresAt)}
              </li>
            ))}
          </ul>
        </>
      )}
      {can('admin') && (
        <form
          class="card"
          aria-labelledby="invite-title"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            setSent(null);
            try {
              await api('POST', '/v1/org/members/invite', { email: email.trim(), role: inviteRole });
              setSent(`Invitation sent to ${email.trim()}.`);
              setEmail('');
              list.reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          <h2 id="invite-title">Invite a member</h2>
          <Field id="invite-email" label="Email address">
            {(a) => (
              <input
                {...a}
                type="email"
                required
                value={email}
                onInput={(e) => setEmail(e.currentTarget.value)}
              />
            )}
          </Field>
          <Field
            id="invite-role"
            label="Role"
            hint="Viewer: reads everything. Member: also operates (verify, test, replay). Admin: manages domains, credentials, members and keys."
          >
            {(a) => (
              <select
                {...a}
                value={inviteRole}
                onChange={(e) => setInviteRole(e.currentTarget.value as Role)}
              >
                {grantable.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" class="primary">
            Send invitation
          </button>
          {sent && <p role="status">{sent}</p>}
        </form>
      )}
    </>
  );
}

interface Usage {
  periodStart: string;
  periodEnd: string;
  requests: number;
  events: number;
  monthlyRequestQuota: number | null;
  usagePercent: number | null;
  quotaExceeded: boolean;
}

function UsageTab() {
  const data = useData(
    () =>
      Promise.all([
        get<Usage>('/v1/org/usage'),
        get<{
          plan: string;
          status: string;
          periodStart: string;
          periodEnd: string;
          monthlyRequestQuota: number | null;
        }>('/v1/org/subscription'),
        get<{ days: Array<{ day: string; requests: number; events: number }> }>('/v1/org/daily-usage'),
      ]),
    'usage',
  );
  if (!data.data) return data.error ? <ErrorBox error={data.error} /> : <Loading what="usage" />;
  const [usage, sub, daily] = data.data;
  const quota = usage.monthlyRequestQuota;
  return (
    <>
      <section class="card" aria-labelledby="sub-title">
        <h2 id="sub-title">Subscription</h2>
        <p>
          Plan <strong>{sub.plan}</strong> · <Status value={sub.status} /> · period {when(sub.periodStart)} –{' '}
          {when(sub.periodEnd)}
        </p>
        {sub.status === 'suspended' || sub.status === 'expired' ? (
          <p class="bad-text">
            Events are refused while the subscription is {sub.status}. Contact your operator.
          </p>
        ) : null}
      </section>
      <section class="card" aria-labelledby="usage-title">
        <h2 id="usage-title">Usage this period</h2>
        <p>
          {usage.requests} requests of {quota === null ? 'unlimited' : quota} ({usage.events} events)
          {usage.usagePercent !== null ? ` — ${usage.usagePercent.toFixed(1)} % of the quota` : ''}.
        </p>
        {quota !== null && (
          <div class="meter-wrap">
            <meter
              min={0}
              max={quota}
              value={usage.requests}
              aria-label="Requests against the monthly quota"
            />
          </div>
        )}
        {usage.quotaExceeded && (
          <p class="bad-text">The quota is used up: events are refused until the period ends.</p>
        )}
        <DailyChart
          title="Requests and events per day"
          days={daily.days.map((d) => d.day)}
          series={[
            { label: 'Requests', values: daily.days.map((d) => d.requests), color: '#1f5fa8', bars: true },
            { label: 'Events', values: daily.days.map((d) => d.events), color: '#b35900' },
          ]}
        />
      </section>
    </>
  );
}

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  domainId: string | null;
  status: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

function ApiKeys() {
  const list = useData(() => get<{ apiKeys: ApiKey[] }>('/v1/org/api-keys'), 'keys');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([...DEFAULT_SCOPES]);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <p>
        API keys let your own servers use the public REST API (<code>/api/v1/…</code>). See the{' '}
        <a href="/docs">API reference</a>.
      </p>
      {created && (
        <ShownOnce title={`API key “${created.name}”`} value={created.key} onDone={() => setCreated(null)} />
      )}
      <ErrorBox error={list.error ?? error} />
      {!list.data ? (
        <Loading what="API keys" />
      ) : list.data.apiKeys.length === 0 ? (
        <Empty title="No API keys yet.">
          <p>Create one below when a server of yours needs to send or read events.</p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Status</th>
                <th scope="col">Last used</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.apiKeys.map((k) => (
                <tr key={k.id} data-testid="api-key-row">
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{k.scopes.join(', ')}</td>
                  <td>
                    <Status value={k.status} />
                  </td>
                  <td>{when(k.lastUsedAt)}</td>
                  <td>
                    {k.status === 'active' && (
                      <ConfirmButton
                        label="Revoke"
                        danger
                        question={`Revoke “${k.name}”? Requests with it are refused from now on.`}
                        onConfirm={async () => {
                          await api('DELETE', `/v1/org/api-keys/${k.id}`);
                          list.reload();
                        }}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form
        class="card"
        aria-labelledby="key-title"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            const res = await api<{ name: string; key: string | null }>('POST', '/v1/org/api-keys', {
              name: name.trim(),
              scopes,
            });
            if (res.key) setCreated({ name: res.name, key: res.key });
            setName('');
            list.reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <h2 id="key-title">Create an API key</h2>
        <Field id="key-name" label="Name" hint="What the key is for, e.g. “ERP export”.">
          {(a) => (
            <input
              {...a}
              required
              maxLength={100}
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          )}
        </Field>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map((s) => (
            <div class="check" key={s}>
              <input
                type="checkbox"
                id={`scope-${s}`}
                checked={scopes.includes(s)}
                onChange={(e) =>
                  setScopes(e.currentTarget.checked ? [...scopes, s] : scopes.filter((x) => x !== s))
                }
              />
              <label for={`scope-${s}`}>{s}</label>
            </div>
          ))}
        </fieldset>
        <button type="submit" class="primary" disabled={scopes.length === 0}>
          Create key
        </button>
      </form>
    </>
  );
}

interface CustomEvent {
  id: string;
  name: string;
  description: string | null;
  isActive: boolean;
}

function CustomEvents() {
  const { can } = useSession();
  const list = useData(() => get<{ customEvents: CustomEvent[] }>('/v1/org/custom-events'), 'custom-events');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <p>Custom event names your servers may send through the public API (eventName).</p>
      <ErrorBox error={list.error ?? error} />
      {!list.data ? (
        <Loading what="custom events" />
      ) : list.data.customEvents.length === 0 ? (
        <Empty title="No custom events defined.">
          <p>{can('admin') ? 'Define one below.' : 'An admin can define them.'}</p>
        </Empty>
      ) : (
        <ul>
          {list.data.customEvents.map((c) => (
            <li key={c.id}>
              <code>{c.name}</code> {c.description ? `— ${c.description}` : ''}{' '}
              <Status value={c.isActive ? 'active' : 'paused'} />{' '}
              {can('admin') && (
                <>
                  <button
                    type="button"
                    onClick={async () => {
                      try {
                        await api('PATCH', `/v1/org/custom-events/${c.id}`, { isActive: !c.isActive });
                        list.reload();
                      } catch (e) {
                        setError(e);
                      }
                    }}
                  >
                    {c.isActive ? 'Deactivate' : 'Activate'}
                  </button>{' '}
                  <ConfirmButton
                    label="Delete"
                    danger
                    question={`Delete ${c.name}? Events with this name are refused afterwards.`}
                    onConfirm={async () => {
                      await api('DELETE', `/v1/org/custom-events/${c.id}`);
                      list.reload();
                    }}
                  />
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {can('admin') && (
        <form
          class="card"
          aria-labelledby="ce-title"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            try {
              await api('POST', '/v1/org/custom-events', {
                name: name.trim(),
                ...(description.trim() ? { description: description.trim() } : {}),
              });
              setName('');
              setDescription('');
              list.reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          <h2 id="ce-title">Define a custom event</h2>
          <Field id="ce-name" label="Name">
            {(a) => (
              <input
                {...a}
                required
                maxLength={100}
                value={name}
                onInput={(e) => setName(e.currentTarget.value)}
              />
            )}
          </Field>
          <Field id="ce-description" label="Description (optional)">
            {(a) => (
              <input
                {...a}
                maxLength={500}
                value={description}
                onInput={(e) => setDescription(e.currentTarget.value)}
              />
            )}
          </Field>
          <button type="submit" class="primary">
            Add custom event
          </button>
        </form>
      )}
    </>
  );
}

interface AuditEntry {
  id: string;
  at: string;
  actor: { type: string; id: string; email?: string | null };
  action: string;
  target: { type: string; id: string } | null;
  ip: string | null;
}

function Audit() {
  const [pages, setPages] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const first = useData(
    () => get<{ entries: AuditEntry[]; nextCursor: string | null }>('/v1/org/audit-log?limit=50'),
    'audit',
  );
  if (!first.data) return first.error ? <ErrorBox error={first.error} /> : <Loading what="the audit log" />;
  const entries = [...first.data.entries, ...pages];
  const next = pages.length ? cursor : first.data.nextCursor;
  return (
    <>
      <div class="table-wrap">
        <table>
          <caption>Audit log, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">On</th>
              <th scope="col">IP</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{when(e.at)}</td>
                <td>{e.actor.email ?? `${e.actor.type} ${e.actor.id}`}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>{e.target ? `${e.target.type} ${e.target.id}` : '—'}</td>
                <td>{e.ip ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {next && (
        <button
          type="button"
          onClick={async () => {
            const page = await get<{ entries: AuditEntry[]; nextCursor: string | null }>(
              `/v1/org/audit-log?limit=50&cursor=${encodeURIComponent(next)}`,
            );
            setPages([...pages, ...page.entries]);
            setCursor(page.nextCursor);
          }}
        >
          Load older entries
        </button>
      )}
    </>
  );
}

function Settings() {
  const { can } = useSession();
  const settings = useData(
    () => get<{ id: string; name: string; plan: string; createdAt?: string }>('/v1/org/settings'),
    'settings',
  );
  const [name, setName] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  if (!settings.data)
    return settings.error ? <ErrorBox error={settings.error} /> : <Loading what="settings" />;
  return (
    <form
      class="card"
      aria-label="Organisation settings"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        setSaved(false);
        try {
          await api('PATCH', '/v1/org/settings', { name: (name ?? settings.data!.name).trim() });
          setSaved(true);
          location.reload();
        } catch (err) {
          setError(err);
        }
      }}
    >
      <p>
        Organisation id <code>{settings.data.id}</code>
      </p>
      <Field id="org-name" label="Organisation name">
        {(a) => (
          <input
            {...a}
            required
            maxLength={100}
            readOnly={!can('admin')}
            value={name ?? settings.data!.name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        )}
      </Field>
      {can('admin') && (
        <button type="submit" class="primary">
          Save
        </button>
      )}
      {saved && <p role="status">Saved.</p>}
      <ErrorBox error={error} />
    </form>
  );
}

export function OrgPage(props: { tab: string }) {
  const { can, me } = useSession();
  const tabs = TABS.filter((t) => can(t.min));
  const tab = tabs.find((t) => t.id === props.tab) ?? tabs[0]!;
  return (
    <Page title={`${me.currentOrg?.name ?? 'Organisation'}: ${tab.label}`}>
      <nav aria-label="Organisation" class="tabs">
        <ul>
          {tabs.map((t) => (
            <li key={t.id}>
              <Link href={`/app/org/${t.id}`} current={t.id === tab.id}>
                {t.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {tab.id === 'members' && <Members />}
      {tab.id === 'usage' && <UsageTab />}
      {tab.id === 'api-keys' && <ApiKeys />}
      {tab.id === 'custom-events' && <CustomEvents />}
      {tab.id === 'audit' && <Audit />}
      {tab.id === 'settings' && <Settings />}
      {tab.id === 'privacy' && <PrivacyTab />}
    </Page>
  );
}
