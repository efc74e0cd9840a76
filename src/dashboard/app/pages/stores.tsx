/**
 * Connected stores (WooCommerce through the Tagbridge plugin, Shopify through its app): each with its
 * connection status, product count and last catalogue sync; admins run a sync or disconnect, and on a
 * store's page link it to a domain and set its sync interval; everyone browses the synced products page
 * by page. Stores are connected from the shop's side, not from here.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, type DomainSummary, get } from '../api.js';
import { useSession } from '../session.js';
import { ConfirmButton, Empty, ErrorBox, Field, Link, Loading, Page, Status, useData, when } from '../ui.js';

export interface StoreChannel {
  id: string;
  platform: string;
  storeUrl: string;
  name: string | null;
  status: string;
  domainId: string | null;
  credential: string | null;
  pluginVersion: string | null;
  connectedAt: number | null;
  lastActivityAt: number | null;
  syncIntervalMinutes: number | null;
}

interface ChannelSync {
  channelId: string;
  state: string;
  done: number;
  total: number | null;
  lastSyncAt: number | null;
  lastResult: string | null;
  lastError: string | null;
  nextSyncAt: number | null;
  products: number;
  productLimit: number | null;
  orgProducts: number;
  limitReached: boolean;
}

interface Product {
  id: string;
  groupId: string | null;
  sku: string | null;
  title: string;
  link: string | null;
  price: string | null;
  salePrice: string | null;
  currency: string | null;
  availability: string;
  categories: string[];
}

const whenMs = (ms: number | null): string => when(ms === null ? null : new Date(ms).toISOString());
export const storeName = (c: StoreChannel): string => c.name ?? c.storeUrl;
const busy = (s: ChannelSync | undefined) => s?.state === 'queued' || s?.state === 'running';

function SyncSummary(props: { sync: ChannelSync | undefined }) {
  const s = props.sync;
  if (!s) return <span class="muted">—</span>;
  if (busy(s))
    return (
      <span>
        <Status value={s.state} /> {s.done}
        {s.total !== null ? ` of ${s.total}` : ''} read
      </span>
    );
  return (
    <span>
      {whenMs(s.lastSyncAt)}
      {s.lastResult && (
        <>
          {' '}
          <Status value={s.lastResult.startsWith('success') ? 'success' : s.lastResult} />
        </>
      )}
      {s.lastError && <div class="bad-text">{s.lastError}</div>}
    </span>
  );
}

export function StoresPage() {
  const { can } = useSession();
  const [polling, setPolling] = useState(false);
  const list = useData(
    async () => {
      const { data } = await get<{ data: StoreChannel[] }>('/v1/store-channels');
      const syncs = await Promise.all(data.map((c) => get<ChannelSync>(`/v1/store-channels/${c.id}/sync`)));
      return data.map((channel, i) => ({ channel, sync: syncs[i] }));
    },
    'stores',
    polling ? 2_000 : 30_000,
  );
  const [error, setError] = useState<unknown>(null);
  const anyBusy = list.data?.some((r) => busy(r.sync)) ?? false;
  // While a sync runs, its progress is read every 2 s; otherwise every 30 s.
  useEffect(() => {
    if (list.data) setPolling(anyBusy);
  }, [anyBusy, list.data]);
  const limit = list.data?.[0]?.sync;
  return (
    <Page title="Stores">
      <p>
        The shops connected to this organisation and their synced product catalogues, which{' '}
        <Link href="/app/feeds">product feeds</Link> are made from.
      </p>
      <ErrorBox error={list.error ?? error} />
      {!list.data ? (
        <Loading what="connected stores" />
      ) : list.data.length === 0 ? (
        <Empty title="No stores connected yet.">
          <p>
            Connect a store from the shop’s side: in WordPress, install the Tagbridge plugin and enter the
            WooCommerce REST keys under <em>Tagbridge → Connection</em>; on Shopify, install the Tagbridge
            app. The store then appears here and its catalogue is synced.
          </p>
        </Empty>
      ) : (
        <>
          {limit && (
            <p class={limit.limitReached ? 'bad-text' : 'muted'}>
              {limit.orgProducts} products in all stores
              {limit.productLimit !== null ? ` of the plan’s ${limit.productLimit}` : ''}
              {limit.limitReached ? ': the limit is reached, syncs add no new products.' : '.'}
            </p>
          )}
          <div class="table-wrap">
            <table>
              <caption>Connected stores</caption>
              <thead>
                <tr>
                  <th scope="col">Store</th>
                  <th scope="col">Platform</th>
                  <th scope="col">Connection</th>
                  <th scope="col">Products</th>
                  <th scope="col">Last sync</th>
                  {can('admin') && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {list.data.map(({ channel: c, sync }) => (
                  <tr key={c.id} data-testid="store-row">
                    <td>
                      <Link href={`/app/stores/${c.id}`}>{storeName(c)}</Link>
                      <div class="muted">{c.storeUrl}</div>
                    </td>
                    <td>{c.platform}</td>
                    <td>
                      <Status value={c.status} />
                      {c.credential && <div class="muted">key {c.credential}</div>}
                    </td>
                    <td data-testid="store-products">{sync?.products ?? '—'}</td>
                    <td data-testid="store-sync">
                      <SyncSummary sync={sync} />
                    </td>
                    {can('admin') && (
                      <td>
                        <div class="actions">
                          <button
                            type="button"
                            disabled={busy(sync) || c.status === 'disconnected'}
                            onClick={async () => {
                              setError(null);
                              try {
                                await api('POST', `/v1/store-channels/${c.id}/sync`, { full: false });
                                setPolling(true);
                                list.reload();
                              } catch (err) {
                                setError(err);
                              }
                            }}
                          >
                            Sync now
                          </button>
                          {c.status !== 'disconnected' && (
                            <ConfirmButton
                              label="Disconnect"
                              danger
                              question={`Disconnect ${storeName(c)}? Its credentials are erased and its plugin sessions logged out; its products stay until it is connected again.`}
                              onConfirm={async () => {
                                await api('DELETE', `/v1/store-channels/${c.id}`);
                                list.reload();
                              }}
                            />
                          )}
                        </div>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Page>
  );
}

/** The PATCH route's upper bound: a week. */
const MAX_INTERVAL = 7 * 24 * 60;

/**
 * An admin's settings of one store: the linked domain (its order import reads this store with the store's
 * credentials) and the sync interval. Empty interval: the server's default; 0: on demand only.
 */
function StoreSettings(props: { channel: StoreChannel; onSaved: () => void }) {
  const c = props.channel;
  const domains = useData(() => get<{ domains: DomainSummary[] }>('/v1/domains'), 'domains');
  const [domainId, setDomainId] = useState(c.domainId ?? '');
  const [interval, setIntervalText] = useState(
    c.syncIntervalMinutes === null ? '' : String(c.syncIntervalMinutes),
  );
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const list = domains.data?.domains ?? [];
  // A linked domain missing from the list (e.g. deleted since) still shows as the current choice.
  const unknownLinked = c.domainId !== null && domains.data && !list.some((d) => d.id === c.domainId);
  return (
    <form
      class="card"
      aria-labelledby="store-settings-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        setSaved(false);
        try {
          await api('PATCH', `/v1/store-channels/${c.id}`, {
            domainId: domainId || null,
            syncIntervalMinutes: interval.trim() === '' ? null : Number(interval),
          });
          setSaved(true);
          props.onSaved();
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id="store-settings-title">Store settings</h2>
      <ErrorBox error={domains.error} title="The domains could not be loaded." />
      <Field
        id="store-domain"
        label="Linked domain"
        hint="The linked domain imports this store’s orders with the store’s connection; Not linked: no order import from it."
      >
        {(a) => (
          <select
            {...a}
            value={domainId}
            onChange={(e) => {
              setDomainId(e.currentTarget.value);
              setSaved(false);
            }}
          >
            <option value="">Not linked</option>
            {unknownLinked && <option value={c.domainId ?? ''}>{c.domainId}</option>}
            {list.map((d) => (
              <option key={d.id} value={d.id}>
                {d.host}
                {d.status !== 'active' ? ` (${d.status.replace(/_/g, ' ')})` : ''}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field
        id="store-interval"
        label="Sync interval in minutes (optional)"
        hint={`Empty: Tagbridge’s default, every 360 minutes (6 hours) unless your operator changed it. 0: only when someone presses Sync now. At most ${MAX_INTERVAL} (a week).`}
      >
        {(a) => (
          <input
            {...a}
            type="number"
            min={0}
            max={MAX_INTERVAL}
            step={1}
            value={interval}
            onInput={(e) => {
              setIntervalText(e.currentTarget.value);
              setSaved(false);
            }}
          />
        )}
      </Field>
      <button type="submit" class="primary" disabled={busy}>
        Save
      </button>
      {saved && (
        <p role="status" class="ok-text">
          Saved.
        </p>
      )}
      <ErrorBox error={error} />
    </form>
  );
}

const PAGE = 50;

/** One store's synced products, `PAGE` at a time (the API pages by cursor: `next` → `after`). */
export function StorePage(props: { id: string }) {
  const { can } = useSession();
  const channel = useData(() => get<StoreChannel>(`/v1/store-channels/${props.id}`), `store-${props.id}`);
  // The cursors of the pages seen so far: back is the previous one, forward is the page's `next`.
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const page = useData(
    () =>
      get<{ products: Product[]; next: string | null; total: number }>(
        `/v1/store-channels/${props.id}/products?limit=${PAGE}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
      ),
    `products-${props.id}-${after ?? ''}`,
  );
  const title = channel.data ? `Products of ${storeName(channel.data)}` : 'Products';
  const first = (cursors.length - 1) * PAGE;
  return (
    <Page title={title}>
      <p>
        <Link href="/app/stores">All stores</Link>
      </p>
      <ErrorBox error={channel.error ?? page.error} />
      {can('admin') && channel.data && (
        <StoreSettings key={channel.data.id} channel={channel.data} onSaved={channel.reload} />
      )}
      {!page.data ? (
        <Loading what="products" />
      ) : page.data.total === 0 ? (
        <Empty title="No products synced yet.">
          <p>Run a sync from the stores page; products appear here as the store’s catalogue is read.</p>
        </Empty>
      ) : (
        <>
          <p data-testid="products-range">
            Products {first + 1}–{first + page.data.products.length} of {page.data.total}
          </p>
          <div class="table-wrap">
            <table>
              <caption>Synced products</caption>
              <thead>
                <tr>
                  <th scope="col">Title</th>
                  <th scope="col">SKU</th>
                  <th scope="col">Price</th>
                  <th scope="col">Availability</th>
                  <th scope="col">Categories</th>
                  <th scope="col">Id</th>
                </tr>
              </thead>
              <tbody>
                {page.data.products.map((p) => (
                  <tr key={p.id} data-testid="product-row">
                    <td>{p.link ? <a href={p.link}>{p.title}</a> : p.title}</td>
                    <td>{p.sku ?? '—'}</td>
                    <td>
                      {p.price ?? '—'} {p.currency ?? ''}
                      {p.salePrice ? ` (sale ${p.salePrice})` : ''}
                    </td>
                    <td>{p.availability.replace(/_/g, ' ')}</td>
                    <td>{p.categories.join(', ')}</td>
                    <td>
                      <code>{p.id}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav class="pager" aria-label="Product pages">
            <button
              type="button"
              disabled={cursors.length < 2}
              onClick={() => setCursors(cursors.slice(0, -1))}
            >
              Previous page
            </button>
            <button
              type="button"
              disabled={!page.data.next}
              onClick={() => page.data?.next && setCursors([...cursors, page.data.next])}
            >
              Next page
            </button>
          </nav>
        </>
      )}
    </Page>
  );
}
