/**
 * Domain verification: the proxy host must point at Tagbridge. Either a CNAME of the proxy host to
 * PUBLIC_HOSTNAME (what the shop needs anyway for traffic to arrive), or — for hosts that cannot carry a
 * CNAME, e.g. behind a CDN — a TXT record `_tagbridge.<host>` holding the domain's verification token.
 * The resolver is configurable (DNS_SERVERS) so tests use a local DNS server and operators an internal one.
 */
import { Resolver } from 'node:dns/promises';

export interface DnsExpectation {
  cname: { name: string; value: string };
  txt: { name: string; value: string };
}

export interface DnsCheck {
  verified: boolean;
  /** Which record proved it, when verified. */
  method: 'cname' | 'txt' | null;
  expected: DnsExpectation;
  /** What the DNS answered (empty: no such record). */
  found: { cname: string[]; txt: string[] };
  /** Lookup failures other than "no such record" (timeouts, SERVFAIL), per record. */
  errors: string[];
  /** One sentence for people: what was found against what was expected. */
  message: string;
}

export interface DnsOptions {
  publicHostname: string;
  /** `ip` or `ip:port`; the system resolver when empty. */
  servers: string[];
  timeoutMs?: number;
}

const NO_RECORD = new Set(['ENODATA', 'ENOTFOUND', 'NXDOMAIN', 'ENONAME']);

function canonical(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

async function lookup<T>(query: () => Promise<T[]>, label: string, errors: string[]): Promise<T[]> {
  try {
    return await query();
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    if (!NO_RECORD.has(code)) errors.push(`${label}: ${code}`);
    return [];
  }
}

export async function checkDomainDns(
  host: string,
  verificationToken: string,
  options: DnsOptions,
): Promise<DnsCheck> {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 2000, tries: 2 });
  if (options.servers.length > 0) resolver.setServers(options.servers);
  const target = canonical(options.publicHostname);
  const txtName = `_tagbridge.${host}`;
  const expected: DnsExpectation = {
    cname: { name: host, value: target },
    txt: { name: txtName, value: verificationToken },
  };
  const errors: string[] = [];
  const [cnames, txts] = await Promise.all([
    lookup(() => resolver.resolveCname(host), `CNAME ${host}`, errors),
    lookup(() => resolver.resolveTxt(txtName), `TXT ${txtName}`, errors),
  ]);
  const found = { cname: cnames.map(canonical), txt: txts.map((chunks) => chunks.join('')) };
  const cnameOk = found.cname.includes(target);
  const txtOk = found.txt.some((value) => value.trim() === verificationToken);
  const method = cnameOk ? 'cname' : txtOk ? 'txt' : null;
  let message: string;
  if (method === 'cname') message = `${host} is a CNAME of ${target}`;
  else if (method === 'txt') message = `${txtName} carries the verification token`;
  else {
    const sawCname =
      found.cname.length > 0 ? `${host} is a CNAME of ${found.cname.join(', ')}` : `${host} has no CNAME`;
    const sawTxt =
      found.txt.length > 0
        ? `${txtName} has ${found.txt.length} TXT value(s), none the token`
        : `${txtName} has no TXT record`;
    message = `Not verified: ${sawCname} (expected ${target}); ${sawTxt}.`;
  }
  return { verified: method !== null, method, expected, found, errors, message };
}
