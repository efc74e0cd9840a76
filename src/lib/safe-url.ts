/**
 * Outbound calls to URLs that users supply (the shop's resync callback, webhook endpoints). A URL a
 * customer types must never let Tagbridge reach into its own network (SSRF): the host is resolved and
 * every address checked; the connection is pinned to the checked addresses (`pinnedLookup`, webhooks), or
 * the name is resolved and checked again when the socket connects (`guardedLookup`, the resync callback),
 * so a DNS answer that changes between the check and the call (rebinding) cannot reach inside. `https` is required,
 * because the call carries a bearer token or a signature; plain `http` is only allowed when
 * ALLOW_PRIVATE_NETWORK_TARGETS is set *and* the target is inside the private network, so nothing crosses
 * the internet in clear text. Redirects are never followed.
 */
import dns, { type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, request } from 'undici';

export type AddressKind =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'unique_local'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

function classifyV4(a: number, b: number, c: number): AddressKind {
  if (a === 0) return 'unspecified';
  if (a === 10) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private'; // carrier-grade NAT
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link_local';
  if (a === 172 && b >= 16 && b <= 31) return 'private';
  if (a === 192 && b === 168) return 'private';
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return 'reserved';
  if (a === 192 && b === 88 && c === 99) return 'reserved';
  if (a === 198 && (b === 18 || b === 19)) return 'reserved';
  if (a === 198 && b === 51 && c === 100) return 'reserved';
  if (a === 203 && b === 0 && c === 113) return 'reserved';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240) return 'reserved';
  return 'public';
}

function parseV4(ip: string): [number, number, number, number] | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  if (bytes.some((b) => Number.isNaN(b) || b > 255)) return null;
  return bytes as [number, number, number, number];
}

/** The 16 bytes of an IPv6 address (with `::` and a trailing dotted IPv4 part), or null. */
function parseV6(input: string): number[] | null {
  let ip = input.split('%')[0] ?? '';
  const tail: number[] = [];
  const lastColon = ip.lastIndexOf(':');
  if (ip.includes('.')) {
    const v4 = parseV4(ip.slice(lastColon + 1));
    if (!v4) return null;
    tail.push(...v4);
    ip = `${ip.slice(0, lastColon + 1)}0:0`;
  }
  const halves = ip.split('::');
  if (halves.length > 2) return null;
  const group = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => Number.parseInt(h, 16)));
  const head = group(halves[0] ?? '');
  const rest = halves.length === 2 ? group(halves[1] ?? '') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 0) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest];
  if (groups.some((g) => Number.isNaN(g) || g < 0 || g > 0xffff)) return null;
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** What kind of address `ip` is; anything that is not `public` is refused as an outbound target. */
export function classifyAddress(ip: string): AddressKind {
  const family = isIP(ip);
  if (family === 4) {
    const v4 = parseV4(ip);
    return v4 ? classifyV4(v4[0], v4[1], v4[2]) : 'reserved';
  }
  if (family !== 6) return 'reserved';
  const b = parseV6(ip);
  if (!b) return 'reserved';
  const at = (i: number): number => b[i] ?? 0;
  const zeroUpTo = (n: number): boolean => b.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(16)) return 'unspecified';
  if (zeroUpTo(15) && at(15) === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the embedded IPv4 address.
  if (zeroUpTo(10) && at(10) === 0xff && at(11) === 0xff) return classifyV4(at(12), at(13), at(14));
  if (
    at(0) === 0x00 &&
    at(1) === 0x64 &&
    at(2) === 0xff &&
    at(3) === 0x9b &&
    b.slice(4, 12).every((x) => x === 0)
  )
    return classifyV4(at(12), at(13), at(14));
  // 6to4 (2002:a.b.c.d::/48) as well.
  if (at(0) === 0x20 && at(1) === 0x02) return classifyV4(at(2), at(3), at(4));
  if (zeroUpTo(12)) return 'reserved'; // deprecated IPv4-compatible ::a.b.c.d
  if ((at(0) & 0xfe) === 0xfc) return 'unique_local';
  if (at(0) === 0xfe && (at(1) & 0xc0) === 0x80) return 'link_local';
  if (at(0) === 0xfe && (at(1) & 0xc0) === 0xc0) return 'private'; // deprecated site-local
  if (at(0) === 0xff) return 'multicast';
  if (at(0) === 0x20 && at(1) === 0x01 && at(2) === 0x0d && at(3) === 0xb8) return 'reserved';
  if (at(0) === 0x01 && at(1) === 0x00 && b.slice(2, 8).every((x) => x === 0)) return 'reserved';
  return 'public';
}

export type Resolve = (hostname: string) => Promise<string[]>;

const systemResolve: Resolve = async (hostname) => {
  const answers = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => a.address);
};

export interface OutboundPolicy {
  /** ALLOW_PRIVATE_NETWORK_TARGETS: private, loopback and link-local targets (and http to them) allowed. */
  allowPrivate: boolean;
  /** Name resolution (tests may inject one); the system resolver otherwise. */
  resolve?: Resolve;
}

export type UrlCheck =
  | { ok: true; url: URL; addresses: string[] }
  | { ok: false; reason: string; addresses: string[] };

function describe(kind: AddressKind): string {
  return kind.replace('_', '-');
}

/**
 * Whether `raw` may be called: an absolute http(s) URL without credentials, whose host resolves only to
 * allowed addresses; `http` only for private targets when they are allowed.
 */
export async function checkOutboundUrl(raw: string, policy: OutboundPolicy): Promise<UrlCheck> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not an absolute URL', addresses: [] };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return {
      ok: false,
      reason: `the scheme must be https, not ${url.protocol.replace(':', '')}`,
      addresses: [],
    };
  }
  if (url.username || url.password) {
    return { ok: false, reason: 'credentials in the URL are not allowed', addresses: [] };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await (policy.resolve ?? systemResolve)(host);
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      return { ok: false, reason: `${host} does not resolve (${code})`, addresses: [] };
    }
    if (addresses.length === 0) return { ok: false, reason: `${host} does not resolve`, addresses: [] };
  }
  const internal = addresses
    .map((address) => ({ address, kind: classifyAddress(address) }))
    .filter((a) => a.kind !== 'public');
  if (internal.length > 0 && !policy.allowPrivate) {
    const first = internal[0]!;
    const via = isIP(host) ? '' : `${host} resolves to `;
    return {
      ok: false,
      reason: `${via}${first.address}, a ${describe(first.kind)} address: not allowed as a target`,
      addresses,
    };
  }
  if (url.protocol === 'http:' && !(policy.allowPrivate && internal.length === addresses.length)) {
    return { ok: false, reason: 'the URL must use https', addresses };
  }
  return { ok: true, url, addresses };
}

/**
 * A `lookup` for sockets that refuses internal addresses at connect time, so a name that resolved to a
 * public address during the check cannot be switched to an internal one for the call itself.
 */
export function guardedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, answers: LookupAddress[]) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const internal = answers.find((a) => classifyAddress(a.address) !== 'public');
      if (internal && !policy.allowPrivate) {
        const refused: NodeJS.ErrnoException = new Error(
          `${hostname} resolves to ${internal.address}, a ${describe(classifyAddress(internal.address))} address: not allowed as a target`,
        );
        refused.code = 'ERR_INTERNAL_TARGET';
        callback(refused, '', 0);
        return;
      }
      if (options.all) callback(null, answers);
      else callback(null, answers[0]?.address ?? '', answers[0]?.family ?? 4);
    });
  };
}

export interface OutboundResult {
  ok: boolean;
  /** HTTP status, null when there was no answer (refused, timeout, network error). */
  statusCode: number | null;
  /** Why it did not succeed, null on success. */
  error: string | null;
  durationMs: number;
}

export interface OutboundResponse extends OutboundResult {
  /** The start of the answer's body (up to `maxBodyChars`), null without an answer. */
  body: string | null;
  /** The answer's headers, names in lower case (empty without an answer). */
  headers: Record<string, string>;
}

const MAX_ERROR_BODY = 300;

/**
 * A `lookup` that answers with the addresses the check resolved and approved: the connection goes to one
 * of them, with no second resolution a rebinding DNS server could answer differently.
 */
export function pinnedLookup(addresses: readonly string[]): LookupFunction {
  const answers: LookupAddress[] = addresses.map((address) => ({
    address,
    family: isIP(address) === 6 ? 6 : 4,
  }));
  return (_hostname, options, callback) => {
    const usable = answers.filter((a) => !options.family || a.family === options.family);
    if (usable.length === 0) {
      const none: NodeJS.ErrnoException = new Error('no checked address of the requested family');
      none.code = 'ENOTFOUND';
      callback(none, '', 0);
      return;
    }
    if (options.all) callback(null, usable);
    else callback(null, usable[0]!.address, usable[0]!.family);
  };
}

/**
 * POSTs `body` (sent byte for byte) to a user-supplied URL under the outbound policy: every resolved
 * address checked, the connection pinned to them, redirects never followed (a 3xx is an answer like any
 * other), one timeout for the whole exchange. Only 2xx is `ok`.
 */
export async function postToUserUrl(
  raw: string,
  input: {
    headers: Record<string, string>;
    /** The request body; a GET (reading a store's API) has none. */
    body: string;
    method?: 'POST' | 'GET';
    timeoutMs: number;
    policy: OutboundPolicy;
    maxBodyChars?: number;
    /**
     * How the socket finds its address: pinned to the checked addresses (default), or resolved again and
     * re-checked at connect time (`recheck`, what the resync callback has always done).
     */
    connect?: 'pinned' | 'recheck';
  },
): Promise<OutboundResponse> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const maxBody = input.maxBodyChars ?? MAX_ERROR_BODY;
  const check = await checkOutboundUrl(raw, input.policy);
  if (!check.ok)
    return {
      ok: false,
      statusCode: null,
      error: `refused: ${check.reason}`,
      durationMs: elapsed(),
      body: null,
      headers: {},
    };
  const lookup = input.connect === 'recheck' ? guardedLookup(input.policy) : pinnedLookup(check.addresses);
  const agent = new Agent({ connect: { lookup, timeout: input.timeoutMs } });
  try {
    const get = input.method === 'GET';
    const res = await request(check.url, {
      method: get ? 'GET' : 'POST',
      headers: {
        ...(get ? {} : { 'content-type': 'application/json' }),
        'user-agent': 'Tagbridge',
        ...input.headers,
      },
      ...(get ? {} : { body: input.body }),
      dispatcher: agent,
      headersTimeout: input.timeoutMs,
      bodyTimeout: input.timeoutMs,
      signal: AbortSignal.timeout(input.timeoutMs),
    });
    let text = '';
    for await (const chunk of res.body) {
      if (text.length < maxBody) text += chunk.toString();
    }
    text = text.slice(0, maxBody);
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    return {
      ok,
      statusCode: res.statusCode,
      error: ok ? null : `HTTP ${res.statusCode}${text ? `: ${text.slice(0, MAX_ERROR_BODY)}` : ''}`,
      durationMs: elapsed(),
      body: text,
      headers,
    };
  } catch (error) {
    const err = error as { name?: string; code?: string; message?: string; cause?: { message?: string } };
    const timeout =
      err.name === 'TimeoutError' || err.name === 'AbortError' || /TIMEOUT/.test(err.code ?? '');
    return {
      ok: false,
      statusCode: null,
      error: timeout
        ? `no answer within ${input.timeoutMs} ms`
        : (err.cause?.message ?? err.message ?? String(error)),
      durationMs: elapsed(),
      body: null,
      headers: {},
    };
  } finally {
    await agent.close();
  }
}

/** POSTs JSON to a user-supplied URL under the outbound policy; never follows redirects. */
export async function postJsonToUserUrl(
  raw: string,
  input: { headers: Record<string, string>; body: unknown; timeoutMs: number; policy: OutboundPolicy },
): Promise<OutboundResult> {
  const { body: _body, ...result } = await postToUserUrl(raw, {
    ...input,
    body: JSON.stringify(input.body),
    connect: 'recheck',
  });
  return result;
}

/** GETs a user-supplied URL (a store's API) under the outbound policy; redirects are not followed. */
export async function getFromUserUrl(
  raw: string,
  input: { headers: Record<string, string>; timeoutMs: number; policy: OutboundPolicy; maxBodyChars: number },
): Promise<OutboundResponse> {
  return postToUserUrl(raw, { ...input, method: 'GET', body: '' });
}
