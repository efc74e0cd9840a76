/**
 * Table types for Kysely. Times are integer milliseconds since the epoch (`bigint` columns), except
 * `event_time`, which is Unix seconds as the platforms use it. Booleans are 0/1 integers so both dialects
 * read them the same way. JSON is stored as text.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface OrgsTable {
  id: string;
  name: string;
  plan: string;
  /** active | past_due | suspended | expired */
  subscription_status: string;
  /** Start of the current monthly billing period (ms). */
  period_start: number;
  created_at: number;
}

export interface DomainsTable {
  id: string;
  org_id: string;
  /** The proxy host, lower case, e.g. `ssp.yourshop.com`. */
  host: string;
  shop_url: string | null;
  /** ISO alpha-2, upper case: parses national phone numbers. */
  default_country: string;
  /** active | pending_dns | disabled | deleted */
  status: string;
  /** The X-SSP-Token, sealed: the shop plugin is handed it again on every sync. */
  proxy_token_sealed: string;
  /** SHA-256 of the X-SSP-Token, compared in constant time on every proxy request. */
  proxy_token_hash: string;
  /** SHA-256 of the sync token (shown once). */
  sync_token_hash: string;
  created_at: number;
  updated_at: number;
  /** synced | waiting_config | sync_error */
  config_status: Generated<string>;
  last_synced_at: number | null;
  verified_at: number | null;
  /** Value the TXT record `_tagbridge.<host>` may carry instead of a CNAME. */
  verification_token: string | null;
  /** Soft deletion: status `deleted`, `host` replaced by a tombstone so the host can be added again. */
  deleted_at: number | null;
  /** The host a deleted domain had (the event log still shows it). */
  deleted_host: string | null;
  /** Events without a consent signal: `forward` (treated as granted) or `deny` (held back). */
  consent_default: Generated<string>;
  /** Order statuses that count as paid, per shop platform (JSON `{woocommerce?: [], shopify?: []}`); null: defaults. */
  order_paid_statuses: string | null;
  /** The domain's last order coverage (0–1) and when it was computed (reconciliation.coverage_dropped). */
  order_coverage: number | null;
  order_coverage_at: number | null;
}

export interface DestinationsTable {
  id: string;
  org_id: string;
  domain_id: string;
  type: string;
  enabled: number;
  /** Non-secret config fields as JSON. */
  config_public: string;
  /** Secret config fields (access tokens), sealed. */
  credentials_sealed: string;
  /** active | needs_attention | paused | unsupported (a type the shop plugin synced that we cannot deliver to) */
  status: string;
  last_error: string | null;
  config_version: number;
  created_at: number;
  updated_at: number;
}

export interface EventsTable {
  id: string;
  org_id: string;
  domain_id: string;
  event_name: string;
  custom_event_name: string | null;
  event_id: string;
  /** PROXY | PMW | API | PIXEL | WEBHOOK | SYNC */
  source: string;
  event_time: number;
  received_at: number;
  event_source_url: string | null;
  /** Commerce data as sent (JSON); never personal. */
  custom_data: string | null;
  /** Comma-separated names of the match keys that were present (no values). */
  match_keys: string;
  /**
   * Personal data (and pmw platform members), sealed in binary (ingest/sealed-payload.ts; text on rows written
   * before migration 0005); erased once every delivery is final or too old.
   */
  pii_sealed: Buffer | string | null;
  /**
   * Since migration 0016: the `pii_groups` row holding this event's personal data, sealed with the rest of
   * its ingest group, and the event's entry in it (null once erased). pii_sealed is null on those rows.
   */
  pii_group: number | null;
  pii_slot: number | null;
  pii_erased_at: number | null;
  /** Public API: customData exactly as sent, when mapping the seed's aliases changed it (else null). */
  custom_data_sent: string | null;
  /** The consent decision resolved at ingest (ingest/consent.ts encodeConsent); null: granted by default. */
  consent: string | null;
  /** Flags decided at ingest (ingest/diagnostics.ts DIAGNOSTIC_FLAGS); never personal values. */
  diagnostics: number;
}

/** The personal data of one ingest group's events, sealed once (storage/pii-groups.ts; migration 0016). */
export interface PiiGroupsTable {
  id: Generated<number>;
  /** Sealed JSON array, one entry per slot: `[event pk, sealed payload]`, or null once that slot is erased. */
  sealed: Buffer;
  /** Slots not yet erased; the row is deleted when none is left. */
  pending: number;
  created_at: number;
}

export interface DedupKeysTable {
  /** 16 bytes: the hash of domain id, dedup name and event id (storage/dedup-key.ts; migration 0015). */
  key: Buffer;
  event_pk: string;
  expires_at: number;
}

export interface DeliveriesTable {
  id: string;
  event_pk: string;
  org_id: string;
  domain_id: string;
  destination_id: string;
  destination_type: string;
  /** pending | delivered | failed | skipped | dead */
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  event_time: number;
  /**
   * The event's `received_at` (migration 0014): PostgreSQL partitions deliveries by it, so an event and its
   * deliveries share a day partition. Always written by this release (NULL only from a node of the
   * previous one during an upgrade).
   */
  event_received_at: number | null;
  /** After this, a pending delivery is dead (retry horizon, never past the platform's maximum event age). */
  give_up_at: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  final_at: number | null;
  /** The identifiers this delivery carries for its platform: a bit per user-data key (USER_DATA_KEYS order). */
  sent_keys: number | null;
  /** Match-quality score 0–10 derived from sent_keys with the platform's weights (docs/diagnostics.md). */
  match_score: number | null;
}

export interface DeliveryAttemptsTable {
  id: string;
  delivery_id: string;
  attempt: number;
  at: number;
  status_code: number | null;
  /** delivered | retry | throttled | rejected | skipped | dead | timeout | network */
  outcome: string;
  message: string | null;
}

export interface UsageDailyTable {
  org_id: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  requests: number;
  events: number;
}

export interface UsersTable {
  id: string;
  /** Lower case. */
  email: string;
  created_at: number;
  last_login_at: number | null;
}

export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: string;
  created_at: number;
}

export interface LoginTokensTable {
  id: string;
  /** SHA-256 of the token in the magic link. */
  token_hash: string;
  email: string;
  /** login | invite */
  purpose: string;
  org_id: string | null;
  role: string | null;
  invited_by: string | null;
  redirect: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface SessionsTable {
  id: string;
  /** SHA-256 of the sc_session cookie value. */
  token_hash: string;
  user_id: string;
  current_org_id: string | null;
  created_at: number;
  last_seen_at: number;
  /** Absolute expiry; inactivity expiry is last_seen_at + the idle timeout. */
  expires_at: number;
  revoked_at: number | null;
}

export interface AuditLogTable {
  id: string;
  org_id: string | null;
  /** user | api_key | sync | operator */
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  /** JSON; never personal data beyond the actor's own email. */
  details: string | null;
  ip: string | null;
  at: number;
}

export interface DomainCallbacksTable {
  domain_id: string;
  org_id: string;
  url: string;
  /** The token Tagbridge presents when calling the shop, sealed. */
  token_sealed: string;
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  org_id: string;
  /** null: every domain of the org. */
  domain_id: string | null;
  name: string;
  /** `sp_` + the first characters of the key, for display. */
  prefix: string;
  /** SHA-256 hex of the whole key; the key itself is shown once and never stored. */
  key_hash: string;
  /** Comma-separated scopes: events:read, events:write, stats:read. */
  scopes: string;
  created_at: number;
  created_by: string | null;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface CustomEventDefinitionsTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  is_active: number;
  created_at: number;
  updated_at: number;
}

export interface IdempotencyKeysTable {
  /** `key:<api key id>` or `user:<user id>:<org id>`. */
  scope: string;
  idem_key: string;
  org_id: string | null;
  method: string;
  path: string;
  request_hash: string;
  /** running | completed */
  status: string;
  response_status: number | null;
  /** Sealed response body. */
  response_body: string | null;
  created_at: number;
  locked_until: number;
  expires_at: number;
}

export interface FxRatesTable {
  /** ECB publication day, YYYY-MM-DD. */
  date: string;
  currency: string;
  /** Units of `currency` per 1 EUR, as published. */
  rate: string;
  /** shipped | ecb */
  source: string;
  fetched_at: number;
}

/** The secret a shop platform signs its webhooks with, per domain (sealed), and the one it replaced. */
export interface ShopWebhookSecretsTable {
  domain_id: string;
  /** woocommerce | shopify */
  platform: string;
  org_id: string;
  secret_sealed: string;
  previous_sealed: string | null;
  /** Until then (epoch ms) the previous secret still verifies. */
  previous_until: number | null;
  created_at: number;
  rotated_at: number | null;
}

/** The inbox of shop webhooks: stored before they are answered, processed from here. */
export interface ShopWebhooksTable {
  id: string;
  org_id: string;
  domain_id: string;
  platform: string;
  topic: string;
  delivery_key: string | null;
  /** The raw body, sealed (orders carry personal data); erased once processed. */
  body_sealed: string | null;
  received_at: number;
  /** pending | processed | ignored | failed */
  status: string;
  attempts: Generated<number>;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  result: string | null;
  processed_at: number | null;
}

/** A shop order as its webhooks describe it, and whether its Purchase was sent. */
export interface OrdersTable {
  id: string;
  org_id: string;
  domain_id: string;
  platform: string;
  order_id: string;
  order_number: string | null;
  status: string;
  paid: number;
  currency: string | null;
  total: number | null;
  refunded_total: Generated<number>;
  ordered_at: number;
  paid_at: number | null;
  modified_at: number;
  first_seen_at: number;
  updated_at: number;
  /** null: not sent; sent: by Tagbridge; plugin: the shop plugin (or another path) had sent it */
  purchase_state: string | null;
  purchase_event_id: string;
  /** The order's Purchase event (InboundEvent), sealed, kept for a backfill until the retention ends. */
  snapshot_sealed: string | null;
  snapshot_erased_at: number | null;
  /** When `order.unmatched` was announced for this order (once). */
  unmatched_announced_at: number | null;
}

/** Read access to a store's order API (sealed credentials), for importing orders webhooks missed. */
export interface ShopStoreAccessTable {
  domain_id: string;
  platform: string;
  org_id: string;
  store_url: string;
  credentials_sealed: string;
  created_at: number;
  updated_at: number;
  last_import_at: number | null;
  last_import_result: string | null;
}

export interface OrderRefundsTable {
  domain_id: string;
  order_id: string;
  refund_id: string;
  amount: number;
  refunded_at: number;
  event_id: string;
  created_at: number;
}

export interface Database {
  orgs: OrgsTable;
  domains: DomainsTable;
  destinations: DestinationsTable;
  events: EventsTable;
  dedup_keys: DedupKeysTable;
  pii_groups: PiiGroupsTable;
  deliveries: DeliveriesTable;
  delivery_attempts: DeliveryAttemptsTable;
  usage_daily: UsageDailyTable;
  users: UsersTable;
  memberships: MembershipsTable;
  login_tokens: LoginTokensTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  domain_callbacks: DomainCallbacksTable;
  api_keys: ApiKeysTable;
  custom_event_definitions: CustomEventDefinitionsTable;
  idempotency_keys: IdempotencyKeysTable;
  fx_rates: FxRatesTable;
  shop_webhook_secrets: ShopWebhookSecretsTable;
  shop_webhooks: ShopWebhooksTable;
  orders: OrdersTable;
  order_refunds: OrderRefundsTable;
  shop_store_access: ShopStoreAccessTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_messages: WebhookMessagesTable;
  webhook_attempts: WebhookAttemptsTable;
  webhook_claims: WebhookClaimsTable;
  plugin_sessions: PluginSessionsTable;
  plugin_registrations: PluginRegistrationsTable;
  shopify_oauth_states: ShopifyOauthStatesTable;
  store_channels: StoreChannelsTable;
  products: ProductsTable;
  feeds: FeedsTable;
  pixel_keys: PixelKeysTable;
  visitors: VisitorsTable;
  touchpoints: TouchpointsTable;
  conversions: ConversionsTable;
  stats_daily: StatsDailyTable;
  delivery_counts: DeliveryCountsTable;
}

export type Org = Selectable<OrgsTable>;
export type Domain = Selectable<DomainsTable>;
export type OrderRow = Selectable<OrdersTable>;
export type ShopWebhookRow = Selectable<ShopWebhooksTable>;
export type DestinationRow = Selectable<DestinationsTable>;
export type EventRow = Selectable<EventsTable>;
export type NewEvent = Insertable<EventsTable>;
export type Delivery = Selectable<DeliveriesTable>;
export type NewDelivery = Insertable<DeliveriesTable>;
export type DeliveryUpdate = Updateable<DeliveriesTable>;
export type DeliveryAttempt = Selectable<DeliveryAttemptsTable>;

/** An org's webhook endpoint (migration 0009). */
export interface WebhookEndpointsTable {
  id: string;
  org_id: string;
  url: string;
  description: string;
  /** Comma-separated event types. */
  event_types: string;
  enabled: number;
  /** null | gone | failing */
  disabled_reason: string | null;
  /** The `whsec_…` signing secret, sealed (associated data: the endpoint id). */
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: number | null;
  failing_since: number | null;
  created_at: number;
  updated_at: number;
}

/** One event for one endpoint: the queue entry and its outcome. */
export interface WebhookMessagesTable {
  id: string;
  org_id: string;
  endpoint_id: string;
  event_type: string;
  /** The exact JSON body that is signed and sent. */
  payload: string;
  /** pending | delivered | failed */
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  final_at: number | null;
}

export interface WebhookAttemptsTable {
  id: string;
  message_id: string;
  endpoint_id: string;
  attempt: number;
  at: number;
  status_code: number | null;
  duration_ms: number;
  /** delivered | retry | failed | gone */
  outcome: string;
  response_body: string | null;
  error: string | null;
}

export interface WebhookClaimsTable {
  org_id: string;
  claim_key: string;
  created_at: number;
}

// ── Issue 11 (migration 0010): plugin sign-in, connected stores, catalogue, feeds ─────────────────

/** The revocable session behind a plugin's JWTs. */
export interface PluginSessionsTable {
  id: string;
  user_id: string;
  org_id: string;
  source: string;
  store_url: string | null;
  channel_id: string | null;
  /** SHA-256 of the current refresh token. */
  refresh_hash: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  revoked_at: number | null;
}

/** A plugin's request for an existing account, waiting for the owner's confirmation by mail. */
export interface PluginRegistrationsTable {
  id: string;
  user_id: string;
  email: string;
  store_url: string;
  source: string;
  confirm_hash: string;
  /** SHA-256 of the plugin's poll handle. */
  poll_hash: string;
  /** Where the request came from (named in the confirmation mail). */
  ip: string | null;
  /** pending | confirmed | delivered | expired | declined */
  status: string;
  session_id: string | null;
  created_at: number;
  expires_at: number;
  confirmed_at: number | null;
}

/** A single-use Shopify OAuth state, bound to the user who began the flow. */
export interface ShopifyOauthStatesTable {
  state_hash: string;
  user_id: string;
  org_id: string;
  shop: string;
  channel_id: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** A connected store (seed 004 "sales channel") with its catalogue sync state. */
export interface StoreChannelsTable {
  id: string;
  org_id: string;
  domain_id: string | null;
  /** woocommerce | shopify */
  platform: string;
  store_url: string;
  name: string | null;
  /** active | disconnected | needs_attention */
  status: string;
  credentials_sealed: string | null;
  credential_preview: string | null;
  plugin_version: string | null;
  connected_by: string | null;
  created_at: number;
  updated_at: number;
  connected_at: number | null;
  disconnected_at: number | null;
  last_activity_at: number | null;
  sync_interval_minutes: number | null;
  next_sync_at: number | null;
  /** idle | queued | running | failed */
  sync_state: Generated<string>;
  sync_run_id: string | null;
  sync_full: Generated<number>;
  sync_cursor: string | null;
  sync_started_at: number | null;
  sync_lease_owner: string | null;
  sync_lease_expires_at: number | null;
  sync_done: Generated<number>;
  sync_total: number | null;
  sync_watermark: number | null;
  last_full_sync_at: number | null;
  last_sync_at: number | null;
  last_sync_result: string | null;
  last_sync_error: string | null;
}

/** One sellable catalogue item (a simple product or one variation). */
export interface ProductsTable {
  channel_id: string;
  external_id: string;
  org_id: string;
  group_id: string | null;
  sku: string | null;
  title: string;
  description: string | null;
  link: string | null;
  image_link: string | null;
  /** JSON array of URLs. */
  additional_image_links: string | null;
  /** Decimal strings as the store sends them ("15.00"). */
  price: string | null;
  sale_price: string | null;
  sale_from: number | null;
  sale_to: number | null;
  currency: string | null;
  /** in_stock | out_of_stock | backorder | preorder */
  availability: string;
  brand: string | null;
  gtin: string | null;
  mpn: string | null;
  /** JSON array of category names. */
  categories: string | null;
  /** new | refurbished | used */
  condition: string | null;
  shipping_weight: string | null;
  /** JSON object of variant attributes. */
  attributes: string | null;
  source_modified_at: number | null;
  seen_run_id: string | null;
  updated_at: number;
}

/** A product feed definition (public at /api/public/feeds/:slug when published). */
export interface FeedsTable {
  id: string;
  org_id: string;
  channel_id: string;
  slug: string;
  name: string;
  /** google | meta | json */
  format: string;
  /** JSON {inStockOnly?, categories?, minPrice?, maxPrice?} */
  filters: string;
  /** JSON {brand?, condition?} */
  overrides: string;
  published: number;
  created_at: number;
  updated_at: number;
  last_generated_at: number | null;
  last_product_count: number | null;
  last_skipped_count: number | null;
  /** JSON {field: count} of the products the last generation left out. */
  last_skipped_reasons: string | null;
  /** Bumped by definition changes and catalogue syncs; part of the cache key. */
  content_version: Generated<number>;
}

export type StoreChannelRow = Selectable<StoreChannelsTable>;
export type ProductRow = Selectable<ProductsTable>;
export type NewProduct = Insertable<ProductsTable>;
export type FeedRow = Selectable<FeedsTable>;

/** A publishable `pk_…` key of one domain (migration 0011): sends pixel events from its origins, nothing else. */
export interface PixelKeysTable {
  id: string;
  org_id: string;
  domain_id: string;
  name: string;
  /** SHA-256 hex of the key. */
  key_hash: string;
  key_preview: string;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}
export type PixelKeyRow = Selectable<PixelKeysTable>;

/** A first-party visitor of a domain (the `_tb_vid` cookie), stitched to a shopper once identified. */
export interface VisitorsTable {
  id: string;
  org_id: string;
  domain_id: string;
  visitor_id: string;
  /** Keyed hash of the normalized e-mail (else the customer id); links a shopper's visitors. */
  shopper_key: string | null;
  /** Sealed {email, phone, externalId}; associated data: the row id. */
  identity_sealed: string | null;
  first_seen_at: number;
  last_seen_at: number;
  stitched_at: number | null;
}
export type VisitorRow = Selectable<VisitorsTable>;

/** A landing that can take credit for an order: click ids, UTM parameters, or a referrer. */
export interface TouchpointsTable {
  id: string;
  org_id: string;
  domain_id: string;
  visitor_id: string;
  /** Milliseconds. */
  occurred_at: number;
  /** meta | google_ads | microsoft | tiktok | pinterest | snapchat | reddit | utm | referral */
  channel: string;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  /** Sealed {landingUrl, referrer, clickIds: {name: {value, at}}}; associated data: the row id. */
  details_sealed: string;
}
export type TouchpointRow = Selectable<TouchpointsTable>;

/** An order the attribution report looks at: the visitor who placed it, or the shopper it was stitched to. */
export interface ConversionsTable {
  id: string;
  org_id: string;
  domain_id: string;
  order_id: string;
  event_id: string;
  visitor_id: string | null;
  shopper_key: string | null;
  value: string | null;
  currency: string | null;
  /** Milliseconds. */
  occurred_at: number;
  created_at: number;
}
export type ConversionRow = Selectable<ConversionsTable>;

/** Daily aggregates of the event and delivery rows retention deleted (migration 0012). */
export interface StatsDailyTable {
  org_id: string;
  domain_id: string;
  /** Epoch ms of the UTC day's midnight. */
  day_start: number;
  /** event | purchase | delivery */
  kind: string;
  /** event name | currency ('' unknown) | destination type */
  name: string;
  /** custom event name | '' | delivery status */
  detail: string;
  count: number;
  /** Purchases: the sum of their values; else 0. */
  value: number;
}

/** Hourly delivery counters (migration 0013, src/storage/delivery-counts.ts). */
export interface DeliveryCountsTable {
  destination_id: string;
  /** Epoch ms of the UTC hour of the deliveries' created_at. */
  hour: number;
  status: string;
  /** The deliveries' sent_keys; -1 for deliveries that did not record it. */
  sent_keys: number;
  org_id: string;
  domain_id: string;
  destination_type: string;
  n: number;
  /** Sum of the deliveries' match_score. */
  score_sum: number;
  /** Skipped for consent (status skipped only). */
  consent_skips: number;
  /** The latest final_at of a delivered one (status delivered only). */
  last_delivered_at: number | null;
}
