/** Domains: the list, and adding one (then its setup steps on the domain's page). */
import { useState } from 'preact/hooks';
import { api, type DomainDetail, type DomainSummary, get } from '../api.js';
import { useSession } from '../session.js';
import { Empty, ErrorBox, Field, Link, Loading, navigate, Page, Status, useData, when } from '../ui.js';

/** The sync token of a domain just added, kept for its page to show once (never stored by the browser). */
export const justCreated = new Map<string, string>();

function AddDomain() {
  const [host, setHost] = useState('');
  const [shopUrl, setShopUrl] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="card"
      aria-labelledby="add-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          const res = await api<{ domain: DomainDetail; syncToken: string | null }>('POST', '/v1/domains', {
            host: host.trim(),
            ...(shopUrl.trim() ? { shopUrl: shopUrl.trim() } : {}),
          });
          if (res.syncToken) justCreated.set(res.domain.id, res.syncToken);
          navigate(`/app/domains/${res.domain.id}`);
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id="add-title">Add a domain</h2>
      <p class="muted">
        A subdomain of your shop that will point to Tagbridge, e.g. <code>ssp.yourshop.com</code>. The setup
        steps follow.
      </p>
      <Field id="domain-host" label="Proxy domain" hint="A host name you control, without https://">
        {(a) => (
          <input
            {...a}
            required
            maxLength={253}
            placeholder="ssp.yourshop.com"
            autoComplete="off"
            value={host}
            onInput={(e) => setHost(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field
        id="domain-shop"
        label="Shop URL (optional)"
        hint="Your shop's address; its browser requests are allowed."
      >
        {(a) => (
          <input
            {...a}
            type="url"
            placeholder="https://yourshop.com"
            value={shopUrl}
            onInput={(e) => setShopUrl(e.currentTarget.value)}
          />
        )}
      </Field>
      <button type="submit" class="primary" disabled={busy}>
        Add domain
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

export function DomainsPage() {
  const { can } = useSession();
  const list = useData(() => get<{ domains: DomainSummary[] }>('/v1/domains'), 'domains');
  return (
    <Page title="Domains">
      <ErrorBox error={list.error} />
      {!list.data ? (
        !list.error && <Loading what="domains" />
      ) : list.data.domains.length === 0 ? (
        <Empty title="No domains yet.">
          <p>
            {can('admin')
              ? 'Add the proxy domain your shop will send its events to (below).'
              : 'An admin of your organisation adds domains; ask one.'}
          </p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Domains of this organisation</caption>
            <thead>
              <tr>
                <th scope="col">Domain</th>
                <th scope="col">Status</th>
                <th scope="col">Shop</th>
                <th scope="col">DNS verified</th>
                <th scope="col">Last sync</th>
              </tr>
            </thead>
            <tbody>
              {list.data.domains.map((d) => (
                <tr key={d.id}>
                  <td>
                    <Link href={`/app/domains/${d.id}`}>{d.host}</Link>
                  </td>
                  <td>
                    <Status value={d.status} />
                  </td>
                  <td>{d.shopUrl ?? '—'}</td>
                  <td>{when(d.verifiedAt)}</td>
                  <td>{when(d.lastSyncedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {can('admin') && <AddDomain />}
    </Page>
  );
}
