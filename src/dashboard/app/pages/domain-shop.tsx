/**
 * A domain's shop connection (docs/orders.md, docs/store-connections.md): per shop platform the order
 * webhooks' delivery URL and signing secret (shown on request, rotated after a confirmation, or Shopify's own
 * key stored), the webhooks received and what each did, which order statuses count as paid, and the store's
 * order API (connect with read keys, import the orders whose webhooks never arrived). Admins change things;
 * everyone else reads.
 */
import { useState } from 'preact/hooks';
import { ApiFailure, api, get } from '../api.js';
import { KNOWN_ORDER_STATUSES, SHOP_PLATFORMS } from '../constants.js';
import { useSession } from '../session.js';
import { ConfirmButton, CopyButton, Empty, ErrorBox, Field, Loading, Status, useData } from '../ui.js';
import { DomainFrame, whenMs } from './domain-frame.js';

type Platform = (typeof SHOP_PLATFORMS)[number];
const LABEL: Record<Platform, string> = { woocommerce: 'WooCommerce', shopify: 'Shopify' };

interface WebhookSecret {
  secret: string;
  url: string;
  createdAt: number;
  rotatedAt: number | null;
  previousValidUntil: number | null;
}

interface ShopWebhook {
  id: string;
  platform: string;
  topic: string;
  receivedAt: number;
  status: string;
  attempts: number;
  result: string | null;
}

interface OrderSettings {
  paidStatuses: Record<Platform, string[]>;
  defaults: Record<Platform, boolean>;
}

interface StoreAccess {
  platform: string;
  storeUrl: string;
  credential: string;
  lastImportAt: number | null;
  lastImportResult: string | null;
}

const base = (domainId: string) => `/v1/domains/${encodeURIComponent(domainId)}`;

/** Where the shop delivers its order webhooks. The dashboard is served on PUBLIC_BASE_URL, as the URL is. */
const deliveryUrl = (platform: Platform, domainId: string) =>
  `${location.origin}/v1/webhooks/${platform}/${encodeURIComponent(domainId)}`;

const HOW_TO: Record<Platform, string> = {
  woocommerce:
    'In WooCommerce: Settings → Advanced → Webhooks → Add webhook, once for each topic Order created, Order updated and Order deleted; status Active, API version WP REST API Integration v3, with this delivery URL and the signing secret below.',
  shopify:
    'In Shopify: Settings → Notifications → Webhooks → Create webhook for Order creation, Order payment, Order update, Order cancellation and Refund create, format JSON, with this URL. Shopify signs them with its own key, shown below its webhook list: store that key here.',
};

function WebhookCard(props: { domainId: string; platform: Platform }) {
  const { can } = useSession();
  const p = props.platform;
  const path = `${base(props.domainId)}/shop-webhooks/${p}`;
  const [secret, setSecret] = useState<WebhookSecret | null>(null);
  const [own, setOwn] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const url = secret?.url ?? deliveryUrl(p, props.domainId);
  const run = async (action: () => Promise<WebhookSecret>, done: string | null) => {
    setError(null);
    setNote(null);
    try {
      setSecret(await action());
      setNote(done);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <article class="card" aria-labelledby={`wh-${p}`} data-testid={`webhooks-${p}`}>
      <h3 id={`wh-${p}`}>{LABEL[p]} order webhooks</h3>
      <p>{HOW_TO[p]}</p>
      <p>
        Delivery URL: <code data-testid="delivery-url">{url}</code>{' '}
        <CopyButton value={url} label={`Copy ${LABEL[p]} delivery URL`} />
      </p>
      {!can('admin') ? (
        <p class="muted">Only admins and owners can see or change the signing secret.</p>
      ) : secret ? (
        <>
          <p>
            Signing secret:{' '}
            <code class="secret" data-testid="webhook-secret">
              {secret.secret}
            </code>{' '}
            <CopyButton value={secret.secret} label={`Copy ${LABEL[p]} secret`} />{' '}
            <button type="button" onClick={() => setSecret(null)}>
              Hide
            </button>
          </p>
          <p class="muted">
            Set {whenMs(secret.createdAt)}
            {secret.rotatedAt !== null ? `, last changed ${whenMs(secret.rotatedAt)}` : ''}.
            {secret.previousValidUntil !== null
              ? ` The previous secret keeps verifying until ${whenMs(secret.previousValidUntil)}.`
              : ''}
          </p>
        </>
      ) : (
        <button
          type="button" // The body is optional in the schema, but a POST without one is refused: send an empty object.
          onClick={() => run(() => api<WebhookSecret>('POST', `${path}/secret`, {}), null)}
        >
          Show {LABEL[p]} signing secret
        </button>
      )}
      {can('admin') && (
        <div class="actions">
          {p === 'woocommerce' ? (
            <ConfirmButton
              label="Rotate WooCommerce secret"
              question="A new secret replaces this one. Paste it into each WooCommerce webhook; the old one keeps verifying for a grace period, so orders signed with it are not lost."
              onConfirm={() =>
                run(
                  () => api<WebhookSecret>('POST', `${path}/rotate`),
                  'New secret made: paste it into the shop’s webhooks.',
                )
              }
            />
          ) : (
            <form
              onSubmit={async (e) => {
                e.preventDefault();
                await run(
                  () => api<WebhookSecret>('POST', `${path}/secret`, { secret: own.trim() }),
                  'Shopify’s key is stored.',
                );
                setOwn('');
              }}
            >
              <Field
                id={`own-secret-${p}`}
                label="Shopify’s signing key"
                hint="Shown by Shopify under its webhook list (“Your webhooks will be signed with …”), or your app’s client secret."
              >
                {(a) => (
                  <input
                    {...a}
                    required
                    minLength={16}
                    maxLength={512}
                    autoComplete="off"
                    value={own}
                    onInput={(e) => setOwn(e.currentTarget.value)}
                  />
                )}
              </Field>
              <button type="submit">Store Shopify’s key</button>
            </form>
          )}
        </div>
      )}
      {note && (
        <p role="status" class="ok-text">
          {note}
        </p>
      )}
      <ErrorBox error={error} />
    </article>
  );
}

function ReceivedWebhooks(props: { domainId: string }) {
  const list = useData(
    () => get<{ items: ShopWebhook[] }>(`${base(props.domainId)}/shop-webhooks?limit=20`),
    `shop-webhooks-${props.domainId}`,
    30_000,
  );
  return (
    <section class="card" aria-labelledby="received-title">
      <h2 id="received-title">Order webhooks received</h2>
      <ErrorBox error={list.error} />
      {!list.data ? (
        !list.error && <Loading what="webhooks" />
      ) : list.data.items.length === 0 ? (
        <Empty title="No order webhooks received yet.">
          <p>
            Create the webhooks in the shop with the delivery URL and secret above; each order the shop
            creates or changes then appears here with what Tagbridge made of it.
          </p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>The 20 newest order webhooks</caption>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Shop</th>
                <th scope="col">Topic</th>
                <th scope="col">Status</th>
                <th scope="col">What it did</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((w) => (
                <tr key={w.id}>
                  <td>{whenMs(w.receivedAt)}</td>
                  <td>{LABEL[w.platform as Platform] ?? w.platform}</td>
                  <td>{w.topic}</td>
                  <td>
                    <Status value={w.status} />
                  </td>
                  <td>{w.result ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function OrderSettingsForm(props: { domainId: string }) {
  const { can } = useSession();
  const path = `${base(props.domainId)}/order-settings`;
  const current = useData(() => get<OrderSettings>(path), `order-settings-${props.domainId}`);
  const [chosen, setChosen] = useState<Record<Platform, string[]> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const s = current.data;
  const values = chosen ?? s?.paidStatuses;
  const save = async (body: Partial<Record<Platform, string[] | null>>, message: string) => {
    setError(null);
    setSaved(null);
    try {
      await api<OrderSettings>('PUT', path, { paidStatuses: body });
      setChosen(null);
      setSaved(message);
      current.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form
      class="card"
      aria-labelledby="paid-title"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!values || !s) return;
        // Only the platforms changed here: one left alone keeps following the defaults.
        const changed: Partial<Record<Platform, string[]>> = {};
        for (const p of SHOP_PLATFORMS)
          if ([...values[p]].sort().join() !== [...s.paidStatuses[p]].sort().join()) changed[p] = values[p];
        await save(changed, 'Saved.');
      }}
    >
      <h2 id="paid-title">Which orders count as paid</h2>
      <p>
        An order becomes its Purchase, sent to the ad platforms once, when it reaches one of these statuses.
        Pending, failed and cancelled orders never do.
      </p>
      <ErrorBox error={current.error} />
      {!s || !values
        ? !current.error && <Loading what="the order settings" />
        : SHOP_PLATFORMS.map((p) => (
            <fieldset key={p} data-testid={`paid-${p}`}>
              <legend>
                {LABEL[p]} {s.defaults[p] ? '(defaults)' : '(changed)'}
              </legend>
              {KNOWN_ORDER_STATUSES[p].map((status) => (
                <div class="check" key={status}>
                  <input
                    type="checkbox"
                    id={`paid-${p}-${status}`}
                    disabled={!can('admin')}
                    checked={values[p].includes(status)}
                    onChange={(e) =>
                      setChosen({
                        ...values,
                        [p]: e.currentTarget.checked
                          ? [...values[p], status]
                          : values[p].filter((x) => x !== status),
                      })
                    }
                  />
                  <label for={`paid-${p}-${status}`}>{status}</label>
                </div>
              ))}
            </fieldset>
          ))}
      {can('admin') && s && (
        <div class="actions">
          <button type="submit" class="primary">
            Save paid statuses
          </button>
          <ConfirmButton
            label="Back to the defaults"
            question="WooCommerce: processing and completed; Shopify: paid, partially refunded and refunded."
            onConfirm={() => save({ woocommerce: null, shopify: null }, 'Back to the defaults.')}
          />
        </div>
      )}
      {saved && (
        <p role="status" class="ok-text">
          {saved}
        </p>
      )}
      <ErrorBox error={error} title="Not saved." />
    </form>
  );
}

function StoreCard(props: { domainId: string; platform: Platform }) {
  const { can } = useSession();
  const p = props.platform;
  const path = `${base(props.domainId)}/shop-store/${p}`;
  // Not connected is a 404 here: an answer, not an error.
  const access = useData(
    () =>
      get<StoreAccess>(path).catch((e: unknown) => {
        if (e instanceof ApiFailure && e.code === 'not_found') return null;
        throw e;
      }),
    `store-${props.domainId}-${p}`,
  );
  const [form, setForm] = useState({ store: '', consumerKey: '', consumerSecret: '', accessToken: '' });
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [imported, setImported] = useState<{ read: number; queued: number; truncated: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const a = access.data;
  const input = (key: keyof typeof form, label: string, hint: string, secret = false) => (
    <Field id={`store-${p}-${key}`} label={label} hint={hint}>
      {(attrs) => {
        const common = {
          ...attrs,
          required: true,
          value: form[key],
          onInput: (e: { currentTarget: HTMLInputElement }) =>
            setForm({ ...form, [key]: e.currentTarget.value }),
        };
        return secret ? (
          <input {...common} type="password" autoComplete="new-password" />
        ) : (
          <input {...common} type="text" autoComplete="off" />
        );
      }}
    </Field>
  );
  return (
    <article class="card" aria-labelledby={`store-${p}`} data-testid={`store-${p}`}>
      <h3 id={`store-${p}`}>{LABEL[p]} store</h3>
      <ErrorBox error={access.error} />
      {a === undefined ? (
        !access.error && <Loading what="the store connection" />
      ) : a === null ? (
        <p data-testid="store-status">
          Not connected. With read access to the store’s orders, Tagbridge can import the orders whose
          webhooks never arrived.
        </p>
      ) : (
        <p data-testid="store-status">
          Connected to <code>{a.storeUrl}</code> with <code>{a.credential}</code>. Last import{' '}
          {whenMs(a.lastImportAt)}
          {a.lastImportResult ? `: ${a.lastImportResult}` : ''}.
        </p>
      )}
      {can('admin') && a !== undefined && (
        <div class="actions">
          {a !== null && (
            <button
              type="button"
              disabled={busy}
              onClick={async () => {
                setBusy(true);
                setError(null);
                setImported(null);
                try {
                  setImported(await api('POST', `${path}/import`, {}));
                  access.reload();
                } catch (e) {
                  setError(e);
                } finally {
                  setBusy(false);
                }
              }}
            >
              {busy ? 'Importing…' : 'Import the last 7 days of orders'}
            </button>
          )}
          {!editing && (
            <button type="button" onClick={() => setEditing(true)}>
              {a === null ? `Connect the ${LABEL[p]} store` : 'Change the store access'}
            </button>
          )}
        </div>
      )}
      {imported && (
        <p role="status" class="ok-text" data-testid="import-result">
          Read {imported.read} {imported.read === 1 ? 'order' : 'orders'} from the store; {imported.queued}{' '}
          new or changed, queued to become Purchases where paid
          {imported.truncated ? ' (only part of the range: import the rest again)' : ''}.
        </p>
      )}
      {editing && (
        <form
          aria-label={`Connect the ${LABEL[p]} store`}
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            setBusy(true);
            try {
              await api(
                'PUT',
                path,
                p === 'shopify'
                  ? { store: form.store.trim(), accessToken: form.accessToken.trim() }
                  : {
                      store: form.store.trim(),
                      consumerKey: form.consumerKey.trim(),
                      consumerSecret: form.consumerSecret.trim(),
                    },
              );
              setEditing(false);
              setForm({ store: '', consumerKey: '', consumerSecret: '', accessToken: '' });
              access.reload();
            } catch (err) {
              setError(err);
            } finally {
              setBusy(false);
            }
          }}
        >
          {p === 'shopify' ? (
            <>
              {input('store', 'Store', 'mystore or mystore.myshopify.com')}
              {input('accessToken', 'Admin API access token', 'shpat_…, with the read_orders scope.', true)}
            </>
          ) : (
            <>
              {input('store', 'Shop URL', 'e.g. https://shop.example.com')}
              {input(
                'consumerKey',
                'Consumer key',
                'WooCommerce → Settings → Advanced → REST API → Add key, permission Read: ck_…',
              )}
              {input('consumerSecret', 'Consumer secret', 'cs_…', true)}
            </>
          )}
          <p class="muted">
            Tagbridge reads the store’s newest orders once to check the keys before keeping them.
          </p>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Checking…' : 'Check and save'}
          </button>{' '}
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      )}
      <ErrorBox error={error} />
    </article>
  );
}

export function DomainShopPage(props: { id: string }) {
  return (
    <DomainFrame id={props.id} page="shop">
      {(d) => (
        <>
          <p>
            The shop’s own orders are the ground truth: with its order webhooks connected, each paid order is
            sent to every ad platform exactly once, also when the browser never reported it.
          </p>
          <section aria-labelledby="webhooks-title">
            <h2 id="webhooks-title">Order webhooks</h2>
            {SHOP_PLATFORMS.map((p) => (
              <WebhookCard key={p} domainId={d.id} platform={p} />
            ))}
          </section>
          <ReceivedWebhooks domainId={d.id} />
          <OrderSettingsForm domainId={d.id} />
          <section aria-labelledby="stores-title">
            <h2 id="stores-title">The store’s order API</h2>
            {SHOP_PLATFORMS.map((p) => (
              <StoreCard key={p} domainId={d.id} platform={p} />
            ))}
          </section>
        </>
      )}
    </DomainFrame>
  );
}
