/**
 * Product feeds: a connected store's catalogue published for Google Merchant Center, Meta catalogues or as
 * JSON at a public URL (`/api/public/feeds/<slug>`). Everyone sees the feeds and their URLs; admins create,
 * change and delete them.
 */
import { useState } from 'preact/hooks';
import { api, get } from '../api.js';
import { FEED_FORMATS } from '../constants.js';
import { useSession } from '../session.js';
import {
  ConfirmButton,
  CopyButton,
  Empty,
  ErrorBox,
  Field,
  Link,
  Loading,
  Page,
  Status,
  useData,
  when,
} from '../ui.js';
import { type StoreChannel, storeName } from './stores.js';

type Format = keyof typeof FEED_FORMATS;
const FORMATS = Object.keys(FEED_FORMATS) as Format[];
type Condition = 'new' | 'refurbished' | 'used';

interface Feed {
  id: string;
  slug: string;
  name: string;
  channelId: string;
  format: Format;
  filters: { inStockOnly?: boolean; categories?: string[]; minPrice?: number; maxPrice?: number };
  overrides: { brand?: string; condition?: Condition };
  published: boolean;
  publicUrl: string;
  lastGeneratedAt: string | null;
  productCount: number | null;
  skippedCount: number | null;
  skippedReasons: Record<string, number>;
  createdAt: string;
  updatedAt: string;
}

/** The form's values, as typed (numbers and lists as text). */
interface FeedForm {
  channelId: string;
  name: string;
  slug: string;
  format: Format;
  published: boolean;
  inStockOnly: boolean;
  categories: string;
  minPrice: string;
  maxPrice: string;
  brand: string;
  condition: '' | Condition;
}

function formOf(feed: Feed): FeedForm {
  return {
    channelId: feed.channelId,
    name: feed.name,
    slug: feed.slug,
    format: feed.format,
    published: feed.published,
    inStockOnly: feed.filters.inStockOnly === true,
    categories: (feed.filters.categories ?? []).join(', '),
    minPrice: feed.filters.minPrice === undefined ? '' : String(feed.filters.minPrice),
    maxPrice: feed.filters.maxPrice === undefined ? '' : String(feed.filters.maxPrice),
    brand: feed.overrides.brand ?? '',
    condition: feed.overrides.condition ?? '',
  };
}

/** The API body of a form: filters and overrides are replaced whole, so empty fields are left out. */
function bodyOf(f: FeedForm): Record<string, unknown> {
  const categories = f.categories
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const filters: Feed['filters'] = {
    ...(f.inStockOnly ? { inStockOnly: true } : {}),
    ...(categories.length > 0 ? { categories } : {}),
    ...(f.minPrice.trim() ? { minPrice: Number(f.minPrice) } : {}),
    ...(f.maxPrice.trim() ? { maxPrice: Number(f.maxPrice) } : {}),
  };
  const overrides: Feed['overrides'] = {
    ...(f.brand.trim() ? { brand: f.brand.trim() } : {}),
    ...(f.condition ? { condition: f.condition } : {}),
  };
  return {
    channelId: f.channelId,
    slug: f.slug.trim(),
    ...(f.name.trim() ? { name: f.name.trim() } : {}),
    format: f.format,
    published: f.published,
    filters,
    overrides,
  };
}

function FeedFields(props: {
  prefix: string;
  form: FeedForm;
  channels: StoreChannel[];
  onChange: (f: FeedForm) => void;
}) {
  const f = props.form;
  const set = (patch: Partial<FeedForm>) => props.onChange({ ...f, ...patch });
  const id = (name: string) => `${props.prefix}-${name}`;
  return (
    <>
      <Field id={id('channel')} label="Store">
        {(a) => (
          <select
            {...a}
            required
            value={f.channelId}
            onChange={(e) => set({ channelId: e.currentTarget.value })}
          >
            {props.channels.map((c) => (
              <option key={c.id} value={c.id}>
                {storeName(c)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id={id('name')} label="Name (optional)">
        {(a) => (
          <input
            {...a}
            maxLength={200}
            value={f.name}
            onInput={(e) => set({ name: e.currentTarget.value })}
          />
        )}
      </Field>
      <Field
        id={id('slug')}
        label="Slug"
        hint="The end of the public URL: 3 to 100 lower-case letters, digits and hyphens, unique across Tagbridge."
      >
        {(a) => (
          <input
            {...a}
            required
            minLength={3}
            maxLength={100}
            pattern="[a-z0-9][a-z0-9\-]{1,98}[a-z0-9]"
            value={f.slug}
            onInput={(e) => set({ slug: e.currentTarget.value })}
          />
        )}
      </Field>
      <Field id={id('format')} label="Format">
        {(a) => (
          <select {...a} value={f.format} onChange={(e) => set({ format: e.currentTarget.value as Format })}>
            {FORMATS.map((x) => (
              <option key={x} value={x}>
                {FEED_FORMATS[x]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <fieldset>
        <legend>Which products</legend>
        <div class="check">
          <input
            type="checkbox"
            id={id('in-stock')}
            checked={f.inStockOnly}
            onChange={(e) => set({ inStockOnly: e.currentTarget.checked })}
          />
          <label for={id('in-stock')}>Only products in stock</label>
        </div>
        <Field id={id('categories')} label="Only these categories (optional, comma-separated)">
          {(a) => (
            <input {...a} value={f.categories} onInput={(e) => set({ categories: e.currentTarget.value })} />
          )}
        </Field>
        <Field id={id('min-price')} label="Lowest price (optional)">
          {(a) => (
            <input
              {...a}
              type="number"
              min={0}
              step="any"
              value={f.minPrice}
              onInput={(e) => set({ minPrice: e.currentTarget.value })}
            />
          )}
        </Field>
        <Field id={id('max-price')} label="Highest price (optional)">
          {(a) => (
            <input
              {...a}
              type="number"
              min={0}
              step="any"
              value={f.maxPrice}
              onInput={(e) => set({ maxPrice: e.currentTarget.value })}
            />
          )}
        </Field>
      </fieldset>
      <fieldset>
        <legend>Defaults for products without them</legend>
        <Field id={id('brand')} label="Brand (optional)">
          {(a) => (
            <input
              {...a}
              maxLength={100}
              value={f.brand}
              onInput={(e) => set({ brand: e.currentTarget.value })}
            />
          )}
        </Field>
        <Field id={id('condition')} label="Condition">
          {(a) => (
            <select
              {...a}
              value={f.condition}
              onChange={(e) => set({ condition: e.currentTarget.value as FeedForm['condition'] })}
            >
              <option value="">new (the default)</option>
              <option value="refurbished">refurbished</option>
              <option value="used">used</option>
            </select>
          )}
        </Field>
      </fieldset>
      <div class="check">
        <input
          type="checkbox"
          id={id('published')}
          checked={f.published}
          onChange={(e) => set({ published: e.currentTarget.checked })}
        />
        <label for={id('published')}>Published (an unpublished feed answers 404 at its public URL)</label>
      </div>
    </>
  );
}

function FeedCard(props: { feed: Feed; channels: StoreChannel[]; onChanged: () => void }) {
  const { can } = useSession();
  const feed = props.feed;
  const [editing, setEditing] = useState<FeedForm | null>(null);
  const [error, setError] = useState<unknown>(null);
  const channel = props.channels.find((c) => c.id === feed.channelId);
  const skipped = Object.entries(feed.skippedReasons);
  return (
    <li class="event" data-testid="feed">
      <h3>
        {feed.name} <Status value={feed.published ? 'published' : 'unpublished'} />
      </h3>
      <p>
        {FEED_FORMATS[feed.format]} of{' '}
        {channel ? <Link href={`/app/stores/${channel.id}`}>{storeName(channel)}</Link> : feed.channelId}
      </p>
      <p>
        Public URL: <code data-testid="feed-url">{feed.publicUrl}</code>{' '}
        <CopyButton value={feed.publicUrl} label="Copy URL" />
      </p>
      <p class="muted">
        {feed.lastGeneratedAt
          ? `Last generated ${when(feed.lastGeneratedAt)}: ${feed.productCount ?? 0} products${
              feed.skippedCount ? `, ${feed.skippedCount} left out` : ''
            }.`
          : 'Not generated yet: it is made on its first request.'}
        {skipped.length > 0 &&
          ` Left out for a missing ${skipped.map(([k, n]) => `${k} (${n})`).join(', ')}.`}
      </p>
      {can('admin') && !editing && (
        <div class="actions">
          <button type="button" onClick={() => setEditing(formOf(feed))}>
            Edit
          </button>
          <ConfirmButton
            label="Delete feed"
            danger
            question={`Delete the feed “${feed.name}”? Its public URL answers 404 from now on.`}
            onConfirm={async () => {
              await api('DELETE', `/v1/feeds/${feed.id}`);
              props.onChanged();
            }}
          />
        </div>
      )}
      {editing && (
        <form
          aria-label={`Edit ${feed.name}`}
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            try {
              await api('PATCH', `/v1/feeds/${feed.id}`, bodyOf(editing));
              setEditing(null);
              props.onChanged();
            } catch (err) {
              setError(err);
            }
          }}
        >
          <FeedFields
            prefix={`edit-${feed.id}`}
            form={editing}
            channels={props.channels}
            onChange={setEditing}
          />
          <div class="actions">
            <button type="submit" class="primary">
              Save feed
            </button>
            <button type="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <ErrorBox error={error} />
    </li>
  );
}

export function FeedsPage() {
  const { can } = useSession();
  const data = useData(
    () =>
      Promise.all([get<{ data: Feed[] }>('/v1/feeds'), get<{ data: StoreChannel[] }>('/v1/store-channels')]),
    'feeds',
  );
  const [form, setForm] = useState<FeedForm | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (!data.data)
    return (
      <Page title="Product feeds">
        {data.error ? <ErrorBox error={data.error} /> : <Loading what="product feeds" />}
      </Page>
    );
  const [{ data: feeds }, { data: channels }] = data.data;
  const blank: FeedForm = {
    channelId: channels[0]?.id ?? '',
    name: '',
    slug: '',
    format: 'google',
    published: true,
    inStockOnly: false,
    categories: '',
    minPrice: '',
    maxPrice: '',
    brand: '',
    condition: '',
  };
  const current = form ?? blank;
  return (
    <Page title="Product feeds">
      <p>
        A feed publishes a connected store’s synced catalogue at a public URL for Google Merchant Center, a
        Meta catalogue or your own tools. It follows the store’s syncs by itself.
      </p>
      <ErrorBox error={data.error} />
      {feeds.length === 0 ? (
        <Empty title="No product feeds yet.">
          {channels.length === 0 ? (
            <p>
              Connect a store first (see <Link href="/app/stores">Stores</Link>); then create a feed of its
              products here.
            </p>
          ) : (
            <p>{can('admin') ? 'Create one below.' : 'An admin can create one.'}</p>
          )}
        </Empty>
      ) : (
        <ul class="events">
          {feeds.map((f) => (
            <FeedCard key={`${f.id}-${f.updatedAt}`} feed={f} channels={channels} onChanged={data.reload} />
          ))}
        </ul>
      )}
      {can('admin') && channels.length > 0 && (
        <form
          class="card"
          aria-labelledby="new-feed-title"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            try {
              await api('POST', '/v1/feeds', bodyOf(current));
              setForm(null);
              data.reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          <h2 id="new-feed-title">Create a feed</h2>
          <FeedFields prefix="new-feed" form={current} channels={channels} onChange={setForm} />
          <button type="submit" class="primary">
            Create feed
          </button>
          <ErrorBox error={error} />
        </form>
      )}
    </Page>
  );
}
