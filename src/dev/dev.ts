/**
 * `npx tagbridge dev`: Tagbridge with the fake of every registered platform, for trying it without ad
 * accounts. A demo org and a `localhost` domain with every destination (each with its sample config) are
 * created on first run (in ./data/dev unless DATA_DIR is set), and a ready curl command is printed.
 */
import { join } from 'node:path';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { DESTINATION_TYPES, destinations } from '../destinations/registry.js';
import { type Service, startService } from '../main.js';
import { validateAndSaveDestination } from '../management/domains/validate-and-save-destination.js';
import { createDomain, findDomainByHost, openProxyToken } from '../storage/repos/domains.js';
import { createOrg } from '../storage/repos/orgs.js';
import { type FakePlatforms, startFakePlatforms } from './fakes/index.js';

export interface DevSession {
  service: Service;
  fakes: FakePlatforms;
  host: string;
  proxyToken: string;
  close(): Promise<void>;
}

/** How many ports the fakes take from `--fake-port-base N`: N to N + FAKE_PORTS - 1. */
export const FAKE_PORTS = DESTINATION_TYPES.length;

/**
 * `--fake-port-base N`: the fakes listen on N, N+1… in registry order (N for Meta, N+1 for TikTok…).
 * Without it they take free ports, so `dev` never fails on a port something else holds.
 */
export function parseFakePortBase(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const base = /^\d{1,5}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  const highest = 65535 - (FAKE_PORTS - 1);
  if (!(base >= 1024 && base <= highest)) {
    throw new ConfigError(`--fake-port-base must be a port from 1024 to ${highest}, got "${raw}"`);
  }
  return base;
}

/** `basePort` null: the fakes take free ports (the default); a number: see parseFakePortBase. */
export async function startDev(
  env: NodeJS.ProcessEnv = process.env,
  basePort: number | null = null,
): Promise<DevSession> {
  const fakes = await startFakePlatforms(basePort === null ? {} : { basePort });
  const config: Config = loadConfig({
    DATA_DIR: join(process.cwd(), 'data', 'dev'),
    PROXY_RATE_LIMIT_PER_MINUTE: '0',
    ...env,
    ...fakes.urls,
  });
  const service = await startService(config, { role: 'all' });
  const host = 'localhost';
  const { db } = service.storage;
  const now = Date.now();
  let domain = await findDomainByHost(db, host);
  if (!domain) {
    const org = await createOrg(db, { name: 'Dev shop', plan: 'enterprise', now });
    domain = (
      await createDomain(db, service.sealer, { orgId: org.id, host, shopUrl: 'http://localhost:3000', now })
    ).domain;
    for (const type of DESTINATION_TYPES) {
      const result = await validateAndSaveDestination(db, service.sealer, {
        orgId: org.id,
        domainId: domain.id,
        type,
        config: destinations[type].sampleConfig,
        now,
      });
      if (!result.ok) throw new Error(`demo ${type} config rejected: ${result.errors.join('; ')}`);
    }
    service.domains.invalidate();
  }
  const proxyToken = openProxyToken(service.sealer, domain);
  return {
    service,
    fakes,
    host,
    proxyToken,
    async close() {
      await service.close();
      await fakes.close();
    },
  };
}

export function devInstructions(session: DevSession): string {
  const port = new URL(session.service.address ?? 'http://localhost:8080').port;
  const event = JSON.stringify({
    events: [
      {
        eventName: 'Purchase',
        eventTime: Math.floor(Date.now() / 1000),
        userData: { email: 'jane@example.com', ipAddress: '203.0.113.7', userAgent: 'curl' },
        customData: { currency: 'USD', value: 19.99, orderId: 'DEMO-1' },
      },
    ],
  });
  return [
    `Tagbridge dev: service on http://localhost:${port}`,
    'Fake platforms (events are delivered here; fixed ports with --fake-port-base N):',
    ...Object.entries(session.fakes.urls).map(([name, url]) => `  ${name}=${url}`),
    '',
    'Send an event:',
    `  curl -s http://localhost:${port}/v1/events -H 'content-type: application/json' \\`,
    `    -H 'x-ssp-token: ${session.proxyToken}' -d '${event}'`,
    '',
    'Then: npx tagbridge deliveries list --json   (with DATA_DIR=./data/dev)',
  ].join('\n');
}
