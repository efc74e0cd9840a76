/**
 * `npx tagbridge dev`: Tagbridge with the seven fake platforms, for trying it without ad accounts. A demo
 * org and a `localhost` domain with every destination are created on first run (in ./data/dev unless
 * DATA_DIR is set), and a ready curl command is printed.
 */
import { join } from 'node:path';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { DESTINATION_TYPES, type DestinationType } from '../destinations/types.js';
import { type Service, startService } from '../main.js';
import { validateAndSaveDestination } from '../management/domains/validate-and-save-destination.js';
import { createDomain, findDomainByHost, openProxyToken } from '../storage/repos/domains.js';
import { createOrg } from '../storage/repos/orgs.js';
import { type FakePlatforms, startFakePlatforms } from './fakes/index.js';

const DEMO_CONFIGS: Record<DestinationType, Record<string, unknown>> = {
  meta: { pixelId: '100000000000001', accessToken: 'EAAB-dev-token' },
  tiktok: { pixelCode: 'CDEVPIXEL00001', accessToken: 'tiktok-dev-token' },
  pinterest: { adAccountId: '549755800001', accessToken: 'pina-dev-token' },
  snapchat: { pixelId: '00000000-0000-4000-8000-000000000001', accessToken: 'snap-dev-token' },
  reddit: { pixelId: 't2_devpixel', accessToken: 'reddit-dev-token' },
  ga4: { measurementId: 'G-DEV0000001', apiSecret: 'ga4-dev-secret' },
  microsoft: { tagId: '100000001', accessToken: 'microsoft-dev-token' },
};

export interface DevSession {
  service: Service;
  fakes: FakePlatforms;
  host: string;
  proxyToken: string;
  close(): Promise<void>;
}

/**
 * `--fake-port-base N`: the fakes listen on N (Meta), N+1 (TikTok), N+2 (Pinterest), N+3 (Snapchat), N+4
 * (Reddit), N+5 (GA4), N+6 (Microsoft). Without it they take free ports, so `dev` never fails on a port
 * something else holds.
 */
export function parseFakePortBase(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const base = /^\d{1,5}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!(base >= 1024 && base + 6 <= 65535)) {
    throw new ConfigError(`--fake-port-base must be a port from 1024 to 65529, got "${raw}"`);
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
        config: DEMO_CONFIGS[type],
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
