/**
 * A domain's pixel keys: the publishable pk_ keys its first-party pixel sends with (list: preview, created,
 * last used, status), a new key shown once with the snippet to paste into every page of the shop, and
 * revoking a key after a confirmation. Creating and revoking are for admins, as the API has it.
 */
import { useState } from 'preact/hooks';
import { api, get } from '../api.js';
import { useSession } from '../session.js';
import {
  ConfirmButton,
  CopyButton,
  Empty,
  ErrorBox,
  Field,
  Loading,
  ShownOnce,
  Status,
  useData,
} from '../ui.js';
import { DomainFrame, whenMs } from './domain-frame.js';

export interface PixelKey {
  id: string;
  name: string;
  keyPreview: string;
  domainId: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  status: 'active' | 'revoked';
}

interface CreatedPixelKey extends PixelKey {
  key: string | null;
  snippet: string | null;
}

function PixelKeys(props: { domainId: string; host: string }) {
  const { can } = useSession();
  const path = `/v1/domains/${encodeURIComponent(props.domainId)}/pixel-keys`;
  const list = useData(() => get<{ pixelKeys: PixelKey[] }>(path), `pixel-keys-${props.domainId}`);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedPixelKey | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <p>
        The pixel records visits, ad clicks and purchases in the browser and sends them to{' '}
        <code>https://{props.host}</code> — your own domain, so ad blockers and browsers leave it alone. It
        needs a pixel key: a public key that may only send events from your shop's pages.
      </p>
      {created?.key && (
        <ShownOnce title={`Pixel key “${created.name}”`} value={created.key} onDone={() => setCreated(null)}>
          {created.snippet && (
            <>
              <p>
                Paste this snippet into the <code>&lt;head&gt;</code> of every page of the shop (it holds the
                key):
              </p>
              <pre class="snippet">
                <code data-testid="pixel-snippet">{created.snippet}</code>
              </pre>
              <CopyButton value={created.snippet} label="Copy snippet" />
            </>
          )}
        </ShownOnce>
      )}
      <ErrorBox error={list.error ?? error} />
      {!list.data ? (
        !list.error && <Loading what="pixel keys" />
      ) : list.data.pixelKeys.length === 0 ? (
        <Empty title="No pixel keys yet.">
          <p>
            {can('admin')
              ? 'Create one below, then paste the snippet it comes with into the shop’s pages.'
              : 'An admin or owner can create one; the shop then loads the pixel with it.'}
          </p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>Pixel keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                {can('admin') && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {list.data.pixelKeys.map((k) => (
                <tr key={k.id} data-testid="pixel-key-row">
                  <td>{k.name}</td>
                  <td>
                    <code>{k.keyPreview}</code>
                  </td>
                  <td>{whenMs(k.createdAt)}</td>
                  <td>{k.lastUsedAt === null ? 'never' : whenMs(k.lastUsedAt)}</td>
                  <td>
                    <Status value={k.status} />
                    {k.revokedAt !== null && <span class="muted"> {whenMs(k.revokedAt)}</span>}
                  </td>
                  {can('admin') && (
                    <td>
                      {k.status === 'active' && (
                        <ConfirmButton
                          label="Revoke"
                          danger
                          question={`Revoke “${k.name}”? Pages that still load the pixel with it stop sending events within seconds; create a new key and paste its snippet first.`}
                          onConfirm={async () => {
                            await api('DELETE', `${path}/${encodeURIComponent(k.id)}`);
                            list.reload();
                          }}
                        />
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {can('admin') ? (
        <form
          class="card"
          aria-labelledby="pixel-key-title"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            try {
              const trimmed = name.trim();
              const res = await api<CreatedPixelKey>('POST', path, trimmed ? { name: trimmed } : {});
              setCreated(res);
              setName('');
              list.reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          <h2 id="pixel-key-title">Create a pixel key</h2>
          <Field
            id="pixel-key-name"
            label="Name (optional)"
            hint="What the key is for. Default: Website pixel."
          >
            {(a) => (
              <input {...a} maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
            )}
          </Field>
          <button type="submit" class="primary">
            Create pixel key
          </button>
        </form>
      ) : (
        <p class="muted">Only admins and owners can create or revoke pixel keys.</p>
      )}
    </>
  );
}

export function DomainPixelKeysPage(props: { id: string }) {
  return (
    <DomainFrame id={props.id} page="pixel">
      {(d) => <PixelKeys domainId={d.id} host={d.host} />}
    </DomainFrame>
  );
}
