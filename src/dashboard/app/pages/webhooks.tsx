/**
 * Outbound webhooks (admins and owners, as the API's WEBHOOK_ROLE): the org's endpoints with their status,
 * creating one (its signing secret shown once), and per endpoint: edit, enable/disable, a test message with
 * the receiver's answer, the delivery log (messages and their attempts), resend, secret rotation, delete.
 */
import { useState } from 'preact/hooks';
import { api, get } from '../api.js';
import { WEBHOOK_EVENT_TYPES } from '../constants.js';
import { useSession } from '../session.js';
import {
  ConfirmButton,
  Empty,
  ErrorBox,
  Field,
  Link,
  Loading,
  navigate,
  Page,
  ShownOnce,
  Status,
  useData,
  when,
} from '../ui.js';

type EventType = keyof typeof WEBHOOK_EVENT_TYPES;
const EVENT_TYPES = Object.keys(WEBHOOK_EVENT_TYPES) as EventType[];

interface WebhookEndpoint {
  id: string;
  url: string;
  description: string;
  eventTypes: EventType[];
  enabled: boolean;
  disabledReason: 'gone' | 'failing' | null;
  failingSince: string | null;
  previousSecretValidUntil: string | null;
  createdAt: string;
  updatedAt: string;
}

interface WebhookMessage {
  id: string;
  endpointId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  finalAt: string | null;
  payload: unknown;
}

interface WebhookAttempt {
  id: string;
  messageId: string;
  attempt: number;
  at: string;
  statusCode: number | null;
  durationMs: number;
  outcome: 'delivered' | 'retry' | 'failed' | 'gone';
  responseBody: string | null;
  error: string | null;
}

const DISABLED_WHY: Record<string, string> = {
  gone: 'Tagbridge disabled it: the receiver answered 410 Gone.',
  failing: 'Tagbridge disabled it: no successful delivery for 5 days.',
};

function EndpointStatus(props: { endpoint: WebhookEndpoint }) {
  const e = props.endpoint;
  if (!e.enabled) return <Status value="disabled" />;
  return <Status value={e.failingSince ? 'failing' : 'active'} />;
}

/** URL, description and event types: the same fields to create and to change an endpoint. */
function EndpointFields(props: {
  prefix: string;
  url: string;
  description: string;
  types: EventType[];
  onChange: (next: { url: string; description: string; types: EventType[] }) => void;
}) {
  const set = (patch: Partial<{ url: string; description: string; types: EventType[] }>) =>
    props.onChange({ url: props.url, description: props.description, types: props.types, ...patch });
  return (
    <>
      <Field
        id={`${props.prefix}-url`}
        label="Endpoint URL"
        hint="Where Tagbridge POSTs the messages: an https address your server answers with 2xx."
      >
        {(a) => (
          <input
            {...a}
            type="url"
            required
            maxLength={2000}
            value={props.url}
            onInput={(e) => set({ url: e.currentTarget.value })}
          />
        )}
      </Field>
      <Field id={`${props.prefix}-description`} label="Description (optional)">
        {(a) => (
          <input
            {...a}
            maxLength={500}
            value={props.description}
            onInput={(e) => set({ description: e.currentTarget.value })}
          />
        )}
      </Field>
      <fieldset>
        <legend>Event types</legend>
        {EVENT_TYPES.map((t) => (
          <div key={t} class="check">
            <input
              type="checkbox"
              id={`${props.prefix}-type-${t}`}
              checked={props.types.includes(t)}
              onChange={(e) =>
                set({
                  types: e.currentTarget.checked ? [...props.types, t] : props.types.filter((x) => x !== t),
                })
              }
            />
            <label for={`${props.prefix}-type-${t}`}>
              <code>{t}</code> — {WEBHOOK_EVENT_TYPES[t]}
            </label>
          </div>
        ))}
      </fieldset>
    </>
  );
}

export function WebhooksPage() {
  const { can } = useSession();
  const list = useData(() => get<{ webhooks: WebhookEndpoint[] }>('/v1/org/webhooks'), 'webhooks');
  const [form, setForm] = useState<{ url: string; description: string; types: EventType[] }>({
    url: '',
    description: '',
    types: ['event.failed', 'destination.needs_attention'],
  });
  const [created, setCreated] = useState<{ id: string; url: string; secret: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (!can('admin'))
    return (
      <Page title="Webhooks">
        <p>Only admins and owners manage the organisation’s webhooks.</p>
      </Page>
    );
  return (
    <Page title="Webhooks">
      <p>
        Tagbridge POSTs a signed message (Standard Webhooks: <code>webhook-id</code>,{' '}
        <code>webhook-timestamp</code>, <code>webhook-signature</code>) to each endpoint when a subscribed
        event happens, so your own systems hear about failed deliveries, held destinations or quota warnings.
      </p>
      {created && (
        <ShownOnce
          title={`Signing secret for ${created.url}`}
          value={created.secret}
          onDone={() => setCreated(null)}
        >
          <p>
            Verify each message’s <code>webhook-signature</code> with it.{' '}
            <Link href={`/app/webhooks/${created.id}`}>Open the endpoint</Link> to send a test message.
          </p>
        </ShownOnce>
      )}
      <ErrorBox error={list.error} />
      {!list.data ? (
        <Loading what="webhook endpoints" />
      ) : list.data.webhooks.length === 0 ? (
        <Empty title="No webhook endpoints yet.">
          <p>Add one below with the URL of a server of yours and the events it should hear about.</p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>Webhook endpoints</caption>
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">Event types</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.data.webhooks.map((w) => (
                <tr key={w.id} data-testid="webhook-row">
                  <td>
                    <Link href={`/app/webhooks/${w.id}`}>{w.url}</Link>
                    {w.description && <div class="muted">{w.description}</div>}
                  </td>
                  <td>{w.eventTypes.join(', ')}</td>
                  <td>
                    <EndpointStatus endpoint={w} />
                    {w.disabledReason && <div class="muted">{DISABLED_WHY[w.disabledReason]}</div>}
                  </td>
                  <td>{when(w.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form
        class="card"
        aria-labelledby="new-webhook-title"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            const res = await api<WebhookEndpoint & { secret: string | null }>('POST', '/v1/org/webhooks', {
              url: form.url.trim(),
              eventTypes: form.types,
              ...(form.description.trim() ? { description: form.description.trim() } : {}),
            });
            if (res.secret) setCreated({ id: res.id, url: res.url, secret: res.secret });
            setForm({ url: '', description: '', types: form.types });
            list.reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <h2 id="new-webhook-title">Add an endpoint</h2>
        <EndpointFields
          prefix="new-webhook"
          url={form.url}
          description={form.description}
          types={form.types}
          onChange={setForm}
        />
        <button type="submit" class="primary" disabled={form.types.length === 0}>
          Add endpoint
        </button>
        <ErrorBox error={error} />
      </form>
    </Page>
  );
}

/** How a receiver answered one attempt, in words. */
function answer(a: WebhookAttempt): string {
  if (a.statusCode === null)
    return `No answer after ${a.durationMs} ms: ${a.error ?? 'the connection failed'}`;
  return `HTTP ${a.statusCode} in ${a.durationMs} ms`;
}

/** Sends a webhook.ping and follows it until the receiver's first answer is in (or 20 s pass). */
function SendTest(props: { id: string; onSent: () => void }) {
  const [state, setState] = useState<
    { kind: 'idle' } | { kind: 'waiting' } | { kind: 'done'; attempt: WebhookAttempt } | { kind: 'slow' }
  >({ kind: 'idle' });
  const [error, setError] = useState<unknown>(null);
  return (
    <div>
      <button
        type="button"
        disabled={state.kind === 'waiting'}
        onClick={async () => {
          setError(null);
          setState({ kind: 'waiting' });
          try {
            const message = await api<WebhookMessage>('POST', `/v1/org/webhooks/${props.id}/test`);
            props.onSent();
            const until = Date.now() + 20_000;
            while (Date.now() < until) {
              const { attempts } = await get<{ attempts: WebhookAttempt[] }>(
                `/v1/org/webhooks/${props.id}/attempts?messageId=${encodeURIComponent(message.id)}&limit=1`,
              );
              const first = attempts[0];
              if (first) {
                setState({ kind: 'done', attempt: first });
                props.onSent();
                return;
              }
              await new Promise((resolve) => setTimeout(resolve, 500));
            }
            setState({ kind: 'slow' });
          } catch (err) {
            setError(err);
            setState({ kind: 'idle' });
          }
        }}
      >
        Send test message
      </button>
      <div data-testid="webhook-test-result" role="status">
        {state.kind === 'waiting' && <p class="muted">Sent; waiting for the receiver’s answer…</p>}
        {state.kind === 'slow' && (
          <p>No answer yet: the message is queued. Its attempts appear in the delivery log below.</p>
        )}
        {state.kind === 'done' && (
          <p class={state.attempt.outcome === 'delivered' ? 'ok-text' : 'bad-text'}>
            The receiver answered: <strong>{answer(state.attempt)}</strong>
            {state.attempt.responseBody ? (
              <>
                {' '}
                — <code>{state.attempt.responseBody.slice(0, 200)}</code>
              </>
            ) : null}
          </p>
        )}
      </div>
      <ErrorBox error={error} />
    </div>
  );
}

function EditEndpoint(props: { endpoint: WebhookEndpoint; onSaved: () => void }) {
  const [form, setForm] = useState({
    url: props.endpoint.url,
    description: props.endpoint.description,
    types: props.endpoint.eventTypes,
  });
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  return (
    <form
      class="card"
      aria-labelledby="edit-webhook-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        setSaved(false);
        try {
          await api('PATCH', `/v1/org/webhooks/${props.endpoint.id}`, {
            url: form.url.trim(),
            description: form.description.trim(),
            eventTypes: form.types,
          });
          setSaved(true);
          props.onSaved();
        } catch (err) {
          setError(err);
        }
      }}
    >
      <h2 id="edit-webhook-title">Settings</h2>
      <EndpointFields
        prefix="edit-webhook"
        url={form.url}
        description={form.description}
        types={form.types}
        onChange={setForm}
      />
      <button type="submit" class="primary" disabled={form.types.length === 0}>
        Save changes
      </button>
      {saved && <p role="status">Saved.</p>}
      <ErrorBox error={error} />
    </form>
  );
}

/** Messages newest first, each with its attempts (status code, time, the receiver's first words). */
function DeliveryLog(props: { id: string; version: number; onResent: () => void }) {
  const log = useData(
    () =>
      Promise.all([
        get<{ messages: WebhookMessage[] }>(`/v1/org/webhooks/${props.id}/messages?limit=50`),
        get<{ attempts: WebhookAttempt[] }>(`/v1/org/webhooks/${props.id}/attempts?limit=100`),
      ]),
    `log-${props.id}-${props.version}`,
    5_000,
  );
  const [status, setStatus] = useState<string | null>(null);
  if (!log.data) return log.error ? <ErrorBox error={log.error} /> : <Loading what="the delivery log" />;
  const [{ messages }, { attempts }] = log.data;
  if (messages.length === 0)
    return (
      <Empty title="No messages yet.">
        <p>Send a test message, or wait for one of the subscribed events.</p>
      </Empty>
    );
  return (
    <>
      {status && <p role="status">{status}</p>}
      <ErrorBox error={log.error} />
      <ul class="events">
        {messages.map((m) => {
          const mine = attempts.filter((a) => a.messageId === m.id).sort((a, b) => a.attempt - b.attempt);
          return (
            <li key={m.id} class="event" data-testid="webhook-message">
              <details>
                <summary>
                  <code>{m.eventType}</code> <Status value={m.status} /> · {m.attempts} attempt
                  {m.attempts === 1 ? '' : 's'}
                  {m.lastStatusCode !== null ? ` · last HTTP ${m.lastStatusCode}` : ''} · {when(m.createdAt)}
                </summary>
                <div class="event-body">
                  <p>
                    Message <code>{m.id}</code>
                    {m.nextAttemptAt ? `, next attempt ${when(m.nextAttemptAt)}` : ''}
                    {m.lastError ? (
                      <>
                        {' '}
                        — <span class="bad-text">{m.lastError}</span>
                      </>
                    ) : null}
                  </p>
                  {mine.length > 0 && (
                    <div class="table-wrap">
                      <table>
                        <caption>Attempts of {m.id}</caption>
                        <thead>
                          <tr>
                            <th scope="col">#</th>
                            <th scope="col">At</th>
                            <th scope="col">Answer</th>
                            <th scope="col">Outcome</th>
                            <th scope="col">Response</th>
                          </tr>
                        </thead>
                        <tbody>
                          {mine.map((a) => (
                            <tr key={a.id} data-testid="webhook-attempt">
                              <td>{a.attempt}</td>
                              <td>{when(a.at)}</td>
                              <td>{answer(a)}</td>
                              <td>
                                <Status value={a.outcome} />
                              </td>
                              <td>
                                <code>{(a.responseBody ?? a.error ?? '').slice(0, 200)}</code>
                              </td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </div>
                  )}
                  <details>
                    <summary>Body as sent</summary>
                    <pre>{JSON.stringify(m.payload, null, 2)}</pre>
                  </details>
                  <ConfirmButton
                    label="Resend"
                    question="Send this message again now, with the same id and body? Receivers that deduplicate on webhook-id ignore a copy they already handled."
                    onConfirm={async () => {
                      await api('POST', `/v1/org/webhooks/${props.id}/messages/${m.id}/resend`);
                      setStatus(`Message ${m.id} queued again.`);
                      props.onResent();
                      log.reload();
                    }}
                  />
                </div>
              </details>
            </li>
          );
        })}
      </ul>
    </>
  );
}

export function WebhookPage(props: { id: string }) {
  const { can } = useSession();
  const endpoint = useData(() => get<WebhookEndpoint>(`/v1/org/webhooks/${props.id}`), `webhook-${props.id}`);
  const [secret, setSecret] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const bump = () => setVersion((v) => v + 1);
  if (!can('admin'))
    return (
      <Page title="Webhook endpoint">
        <p>Only admins and owners manage the organisation’s webhooks.</p>
      </Page>
    );
  if (!endpoint.data)
    return (
      <Page title="Webhook endpoint">
        {endpoint.error ? <ErrorBox error={endpoint.error} /> : <Loading what="the endpoint" />}
      </Page>
    );
  const e = endpoint.data;
  return (
    <Page title={`Webhook: ${e.url}`}>
      <p>
        <Link href="/app/webhooks">All webhook endpoints</Link>
      </p>
      <section class="card" aria-labelledby="webhook-state-title">
        <h2 id="webhook-state-title">Status</h2>
        <p data-testid="webhook-status">
          <EndpointStatus endpoint={e} /> · subscribed to {e.eventTypes.join(', ')}
          {e.failingSince ? ` · failing since ${when(e.failingSince)}` : ''}
        </p>
        {e.disabledReason && <p class="bad-text">{DISABLED_WHY[e.disabledReason]}</p>}
        {e.previousSecretValidUntil && (
          <p class="muted">
            The previous secret still signs beside the new one until {when(e.previousSecretValidUntil)}.
          </p>
        )}
        <div class="actions">
          <SendTest id={e.id} onSent={bump} />
          <button
            type="button"
            onClick={async () => {
              setError(null);
              try {
                await api('PATCH', `/v1/org/webhooks/${e.id}`, { enabled: !e.enabled });
                endpoint.reload();
                bump();
              } catch (err) {
                setError(err);
              }
            }}
          >
            {e.enabled ? 'Disable' : 'Enable'}
          </button>
          <ConfirmButton
            label="Rotate secret"
            question="Make a new signing secret? It is shown once; the old one keeps signing beside it for a grace period, so update your receiver before it ends."
            onConfirm={async () => {
              const res = await api<{ secret: string | null }>(
                'POST',
                `/v1/org/webhooks/${e.id}/rotate-secret`,
              );
              setSecret(res.secret);
              endpoint.reload();
            }}
          />
          <ConfirmButton
            label="Delete endpoint"
            danger
            question="Delete this endpoint with its messages and attempts? Nothing more is sent to it."
            onConfirm={async () => {
              await api('DELETE', `/v1/org/webhooks/${e.id}`);
              navigate('/app/webhooks');
            }}
          />
        </div>
        <ErrorBox error={error} />
      </section>
      {secret && <ShownOnce title="New signing secret" value={secret} onDone={() => setSecret(null)} />}
      <section aria-labelledby="webhook-log-title">
        <h2 id="webhook-log-title">Delivery log</h2>
        <DeliveryLog id={e.id} version={version} onResent={bump} />
      </section>
      <EditEndpoint key={e.updatedAt} endpoint={e} onSaved={endpoint.reload} />
    </Page>
  );
}
