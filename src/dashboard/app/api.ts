/**
 * The management API from the browser: same origin, so the session cookie goes along and the browser sets
 * the Origin header the CSRF check wants. Errors keep the API's code and message and add, in plain words,
 * what the person can do about them.
 */

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(message);
  }
}

/** What to do about each error code, said to a shop owner. */
const NEXT_STEP: Record<string, string> = {
  unauthenticated: 'Your session has ended. Sign in again.',
  forbidden: 'Your role in this organisation does not allow this. Ask an owner or admin.',
  not_found: 'It may have been deleted, or it belongs to another organisation. Reload the page.',
  validation_failed: 'Check the highlighted values and try again.',
  rate_limited: 'Too many requests in a short time. Wait a minute and try again.',
  service_unavailable: 'A service Tagbridge depends on is unavailable. Try again in a few minutes.',
  internal_error: 'Something went wrong on the server. Try again; if it persists, tell your operator.',
  payload_too_large: 'What you sent is too large. Shorten it and try again.',
  network: 'Tagbridge could not be reached. Check your connection and try again.',
};

export function nextStep(error: unknown): string {
  if (error instanceof ApiFailure) return NEXT_STEP[error.code] ?? 'Try again, or reload the page.';
  return NEXT_STEP.network!;
}

/** The errors of a validation_failed answer, when it lists them. */
export function detailErrors(error: unknown): string[] {
  if (!(error instanceof ApiFailure)) return [];
  const details = error.details as { errors?: unknown; field?: unknown; reason?: unknown } | null;
  if (details && Array.isArray(details.errors)) return details.errors.map(String);
  if (details && typeof details.field === 'string' && typeof details.reason === 'string')
    return [`${details.field}: ${details.reason}`];
  return [];
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiFailure(0, 'network', 'The request did not reach Tagbridge.', null);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const error = (json as { error?: ApiErrorBody } | null)?.error;
    if (res.status === 401) {
      // The session is gone: back to the sign-in page, then here again.
      location.assign('/sign-in');
    }
    throw new ApiFailure(
      res.status,
      error?.code ?? (res.status >= 500 ? 'internal_error' : 'unknown'),
      error?.message ?? `The server answered ${res.status}.`,
      error?.details ?? null,
    );
  }
  return json as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

/** `?a=1&b=2` of the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export type Role = 'viewer' | 'member' | 'admin' | 'owner';
const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
export const atLeast = (role: Role | undefined, min: Role) => role !== undefined && RANK[role] >= RANK[min];

export interface Me {
  user: { id: string; email: string };
  orgs: Array<{ id: string; name: string; role: Role }>;
  currentOrg: { id: string; name: string; role: Role } | null;
}

export interface DomainSummary {
  id: string;
  host: string;
  shopUrl: string | null;
  defaultCountry: string;
  status: string;
  configStatus?: string;
  verifiedAt: string | null;
  lastSyncedAt: string | null;
  createdAt: string;
}

export interface DomainDetail extends DomainSummary {
  proxyToken: string | null;
  proxyTokenPreview: string;
  dns: { cname: { name: string; value: string }; txt: { name: string; value: string } };
  callback: { url: string; registeredAt: string; updatedAt: string } | null;
}

export interface DestinationStats {
  windowDays: number;
  total: number;
  pending: number;
  delivered: number;
  failed: number;
  dead: number;
  skipped: number;
  successRate: number | null;
}

export interface Destination {
  id: string;
  type: string;
  label: string;
  enabled: boolean;
  status: string;
  lastError: string | null;
  config: Record<string, unknown>;
  configVersion: number;
  updatedAt: string;
  lastDeliveryAt: string | null;
  stats: DestinationStats;
}

export interface JsonSchema {
  type?: string;
  title?: string;
  description?: string;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  enum?: unknown[];
  default?: unknown;
  secret?: boolean;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
}

export interface DestinationType {
  type: string;
  label: string;
  configSchema: JsonSchema;
  secretFields: string[];
}

export interface Delivery {
  id: string;
  destinationId: string;
  destinationType: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  finalAt: string | null;
  trace: Array<{
    attempt: number;
    at: string;
    statusCode: number | null;
    outcome: string;
    message: string | null;
  }>;
}

export interface EventLogItem {
  id: string;
  eventId: string;
  eventName: string;
  customEventName: string | null;
  source: string;
  domain: { id: string; host: string };
  eventTime: string;
  receivedAt: string;
  eventSourceUrl: string | null;
  customData: Record<string, unknown> | null;
  matchKeys: string[];
  personalData: string;
  deliveries: Delivery[];
}
