/**
 * The operator CLI: `npx tagbridge <command>`. Every command takes --json for scripts.
 */
import { parseArgs } from 'node:util';
import { type Config, ConfigError, loadConfig } from './config.js';
import { isDestinationType } from './destinations/registry.js';
import { DESTINATION_TYPES } from './destinations/types.js';
import { devInstructions, parseFakePortBase, startDev } from './dev/dev.js';
import { Sealer } from './lib/crypto.js';
import { isPlan, PLANS } from './lib/plans.js';
import { type Role, startService } from './main.js';
import { setDestination } from './management/destinations/set.js';
import { createApiKey, isScope, SCOPES } from './public-api/keys.js';
import { apiKeyBody } from './public-api/management-views.js';
import { openStorage, type Storage } from './storage/db.js';
import { migrateToLatest } from './storage/migrate.js';
import { listApiKeys, revokeApiKey } from './storage/repos/api-keys.js';
import {
  attemptsOf,
  type DeliveryStatus,
  listDeliveries,
  replayDeliveries,
} from './storage/repos/deliveries.js';
import { maskedDestinationConfig } from './storage/repos/destinations.js';
import { createDomain, getDomainById, isValidHost, normalizeHost } from './storage/repos/domains.js';
import { resealAll } from './storage/repos/key-rotation.js';
import {
  createOrg,
  getOrg,
  SUBSCRIPTION_STATUSES,
  type SubscriptionStatus,
  updateOrgPlan,
} from './storage/repos/orgs.js';

const USAGE = `Usage: tagbridge <command> [options]

  serve [--role api|worker|all]            run the service (default: all)
  dev [--fake-port-base N]                 run with five fake ad platforms (free ports, or N…N+4) and a demo domain
  migrate                                  apply database migrations
  org create --name NAME [--plan PLAN]     create an organization (plans: ${PLANS.join(', ')})
  org set --id ORG [--plan PLAN] [--status active|past_due|suspended|expired]
  domain add --org ORG --host HOST [--shop-url URL] [--country CC]
  destination set --domain DOMAIN --type TYPE --config JSON   (types: ${DESTINATION_TYPES.join(', ')})
  deliveries list [--status pending|delivered|failed|skipped|dead] [--domain DOMAIN] [--limit N]
  deliveries replay --id DELIVERY | --domain DOMAIN
  deliveries show --id DELIVERY            a delivery's attempt trace
  keys rotate                              re-encrypt every sealed value under ENCRYPTION_KEY
                                           (values under ENCRYPTION_KEYS_PREVIOUS are opened with those)
  apikey create --org ORG [--domain DOMAIN] [--scopes events:read,events:write,stats:read] [--name NAME]
                                           create a public API key (shown once)
  apikey list --org ORG                    list an org's API keys (prefix, scopes, last use)
  apikey revoke --id KEY                   revoke an API key (refused at once on every node)

Every command accepts --json for machine-readable output.`;

class UsageError extends Error {}

/** Resolves on the first SIGTERM or SIGINT (graceful shutdown follows). */
function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

interface Output {
  json: boolean;
  print(human: string, data: unknown): void;
}

function output(json: boolean): Output {
  return {
    json,
    print(human, data) {
      process.stdout.write(json ? `${JSON.stringify(data)}\n` : `${human}\n`);
    },
  };
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

async function withStorage<T>(
  config: Config,
  fn: (storage: Storage, sealer: Sealer) => Promise<T>,
): Promise<T> {
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteSynchronous: config.sqliteSynchronous,
    ...(config.databaseSchema ? { pgSchema: config.databaseSchema } : {}),
  });
  try {
    await migrateToLatest(storage);
    return await fn(storage, new Sealer(config.encryptionKeys));
  } finally {
    await storage.close();
  }
}

const OPTIONS = {
  json: { type: 'boolean' },
  role: { type: 'string' },
  name: { type: 'string' },
  plan: { type: 'string' },
  status: { type: 'string' },
  id: { type: 'string' },
  org: { type: 'string' },
  host: { type: 'string' },
  'shop-url': { type: 'string' },
  country: { type: 'string' },
  domain: { type: 'string' },
  type: { type: 'string' },
  config: { type: 'string' },
  limit: { type: 'string' },
  scopes: { type: 'string' },
  'fake-port-base': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runCli(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  const out = output(values.json === true);
  const [command, sub] = positionals;
  if (!command || values.help) {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 1;
  }
  if (command === 'dev') {
    const session = await startDev(process.env, parseFakePortBase(values['fake-port-base']));
    out.print(devInstructions(session), {
      address: session.service.address,
      host: session.host,
      proxyToken: session.proxyToken,
      platforms: session.fakes.urls,
    });
    await untilSignal();
    await session.close();
    return 0;
  }
  const config = loadConfig();
  const now = Date.now();

  switch (`${command}${sub ? ` ${sub}` : ''}`) {
    case 'serve': {
      const role = (values.role ?? 'all') as Role;
      if (!['api', 'worker', 'all'].includes(role)) throw new UsageError('--role must be api, worker or all');
      const service = await startService(config, { role });
      if (config.encryptionKeyGenerated) {
        service.app?.log.warn(
          `ENCRYPTION_KEY is not set: generated one into ${config.dataDir}/encryption.key. Back it up; without it the stored credentials cannot be read.`,
        );
      }
      out.print(`tagbridge ${role} listening on ${service.address ?? '(worker only)'}`, {
        role,
        address: service.address,
      });
      await untilSignal();
      await service.close();
      return 0;
    }
    case 'migrate': {
      const report = await withStorage(config, async (storage) => migrateToLatest(storage));
      out.print(
        report.applied.length ? `applied ${report.applied.join(', ')}` : 'database is up to date',
        report,
      );
      return 0;
    }
    case 'org create': {
      const name = required(values, 'name');
      const plan = values.plan ?? 'free';
      if (!isPlan(plan)) throw new UsageError(`--plan must be one of ${PLANS.join(', ')}`);
      const org = await withStorage(config, (storage) => createOrg(storage.db, { name, plan, now }));
      out.print(`created org ${org.id} (${org.name}, ${org.plan})`, {
        id: org.id,
        name: org.name,
        plan: org.plan,
        subscriptionStatus: org.subscription_status,
      });
      return 0;
    }
    case 'org set': {
      const id = required(values, 'id');
      const plan = values.plan;
      const status = values.status;
      if (plan !== undefined && !isPlan(plan))
        throw new UsageError(`--plan must be one of ${PLANS.join(', ')}`);
      if (status !== undefined && !(SUBSCRIPTION_STATUSES as readonly string[]).includes(status)) {
        throw new UsageError(`--status must be one of ${SUBSCRIPTION_STATUSES.join(', ')}`);
      }
      const org = await withStorage(config, async (storage) => {
        if (!(await getOrg(storage.db, id))) throw new UsageError(`no org ${id}`);
        return updateOrgPlan(storage.db, id, {
          ...(plan ? { plan } : {}),
          ...(status ? { subscriptionStatus: status as SubscriptionStatus } : {}),
        });
      });
      out.print(`org ${id}: plan ${org?.plan}, subscription ${org?.subscription_status}`, {
        id,
        plan: org?.plan,
        subscriptionStatus: org?.subscription_status,
      });
      return 0;
    }
    case 'domain add': {
      const orgId = required(values, 'org');
      const host = normalizeHost(required(values, 'host'));
      if (!isValidHost(host)) throw new UsageError(`--host ${host} is not a valid host name`);
      const shopUrl = values['shop-url'];
      if (shopUrl !== undefined && !/^https?:\/\/[^/]+/.test(shopUrl))
        throw new UsageError('--shop-url must be an http(s) URL');
      const country = values.country;
      if (country !== undefined && !/^[A-Za-z]{2}$/.test(country))
        throw new UsageError('--country must be ISO alpha-2');
      const created = await withStorage(config, async (storage, sealer) => {
        if (!(await getOrg(storage.db, orgId))) throw new UsageError(`no org ${orgId}`);
        const existing = await storage.db
          .selectFrom('domains')
          .select('id')
          .where('host', '=', host)
          .executeTakeFirst();
        if (existing) throw new UsageError(`host ${host} is already configured (${existing.id})`);
        return createDomain(storage.db, sealer, {
          orgId,
          host,
          shopUrl: shopUrl ?? null,
          ...(country ? { defaultCountry: country } : {}),
          now,
        });
      });
      out.print(
        `created domain ${created.domain.id} for ${created.domain.host}\n  X-SSP-Token: ${created.proxyToken}\n  sync token (shown once): ${created.syncToken}`,
        {
          id: created.domain.id,
          host: created.domain.host,
          defaultCountry: created.domain.default_country,
          proxyToken: created.proxyToken,
          syncToken: created.syncToken,
        },
      );
      return 0;
    }
    case 'destination set': {
      const domainId = required(values, 'domain');
      const type = required(values, 'type');
      if (!isDestinationType(type))
        throw new UsageError(`--type must be one of ${DESTINATION_TYPES.join(', ')}`);
      let raw: unknown;
      try {
        raw = JSON.parse(required(values, 'config'));
      } catch {
        throw new UsageError('--config must be JSON');
      }
      const result = await withStorage(config, async (storage, sealer) => {
        const domain = await getDomainById(storage.db, domainId);
        if (!domain) throw new UsageError(`no domain ${domainId}`);
        const set = await setDestination(storage.db, sealer, {
          orgId: domain.org_id,
          domainId,
          type,
          config: raw,
          now,
        });
        return set.ok
          ? {
              ok: true as const,
              row: set.destination,
              masked: maskedDestinationConfig(sealer, set.destination),
            }
          : set;
      });
      if (!result.ok) throw new UsageError(`invalid ${type} config: ${result.errors.join('; ')}`);
      out.print(`destination ${result.row.id} (${type}) set on ${domainId}`, {
        id: result.row.id,
        domainId,
        type,
        enabled: result.row.enabled === 1,
        status: result.row.status,
        config: result.masked,
      });
      return 0;
    }
    case 'deliveries list': {
      const status = values.status as DeliveryStatus | undefined;
      if (status && !['pending', 'delivered', 'failed', 'skipped', 'dead'].includes(status)) {
        throw new UsageError('--status must be pending, delivered, failed, skipped or dead');
      }
      const limit = values.limit ? Number(values.limit) : 100;
      const rows = await withStorage(config, (storage) =>
        listDeliveries(storage.db, {
          ...(status ? { status } : {}),
          ...(values.domain ? { domainId: values.domain } : {}),
          limit,
        }),
      );
      const data = rows.map((d) => ({
        id: d.id,
        eventPk: d.event_pk,
        domainId: d.domain_id,
        destinationId: d.destination_id,
        destinationType: d.destination_type,
        status: d.status,
        attempts: d.attempts,
        lastStatusCode: d.last_status_code,
        lastError: d.last_error,
        nextAttemptAt: new Date(d.next_attempt_at).toISOString(),
        updatedAt: new Date(d.updated_at).toISOString(),
      }));
      out.print(
        data.length
          ? data
              .map(
                (d) => `${d.id} ${d.destinationType} ${d.status} attempts=${d.attempts} ${d.lastError ?? ''}`,
              )
              .join('\n')
          : 'no deliveries',
        data,
      );
      return 0;
    }
    case 'deliveries show': {
      const id = required(values, 'id');
      const trace = await withStorage(config, (storage) => attemptsOf(storage.db, id));
      const data = trace.map((a) => ({
        attempt: a.attempt,
        at: new Date(a.at).toISOString(),
        statusCode: a.status_code,
        outcome: a.outcome,
        message: a.message,
      }));
      out.print(
        data
          .map((a) => `#${a.attempt} ${a.at} ${a.outcome} ${a.statusCode ?? ''} ${a.message ?? ''}`)
          .join('\n') || 'no attempts',
        data,
      );
      return 0;
    }
    case 'deliveries replay': {
      if (!values.id && !values.domain) throw new UsageError('--id or --domain is required');
      const result = await withStorage(config, (storage) =>
        replayDeliveries(storage.db, {
          ...(values.id ? { deliveryId: values.id } : {}),
          ...(values.domain ? { domainId: values.domain } : {}),
          now,
          retryHorizonMs: config.delivery.retryHorizonMs,
        }),
      );
      out.print(
        `replayed ${result.replayed} deliveries${result.unavailable ? `; ${result.unavailable} could not be (personal data already erased)` : ''}`,
        result,
      );
      return 0;
    }
    case 'apikey create': {
      const orgId = required(values, 'org');
      const scopes =
        values.scopes === undefined ? [...SCOPES] : values.scopes.split(',').map((x) => x.trim());
      const unknown = scopes.filter((scope) => !isScope(scope));
      if (scopes.length === 0 || unknown.length > 0) {
        throw new UsageError(`--scopes must be a comma-separated list of ${SCOPES.join(', ')}`);
      }
      const name = values.name ?? 'CLI key';
      const created = await withStorage(config, async (storage) => {
        if (!(await getOrg(storage.db, orgId))) throw new UsageError(`no org ${orgId}`);
        if (values.domain !== undefined) {
          const domain = await getDomainById(storage.db, values.domain);
          if (!domain || domain.org_id !== orgId || domain.status === 'deleted') {
            throw new UsageError(`no domain ${values.domain} in org ${orgId}`);
          }
        }
        return createApiKey(storage.db, {
          orgId,
          domainId: values.domain ?? null,
          name,
          scopes: scopes.filter(isScope),
          createdBy: 'cli',
          expiresAt: null,
          now,
        });
      });
      out.print(
        `created API key ${created.apiKey.id} (${created.apiKey.scopes.join(', ')})\n  key (shown once): ${created.key}`,
        { ...apiKeyBody(created.apiKey, now), key: created.key },
      );
      return 0;
    }
    case 'apikey list': {
      const orgId = required(values, 'org');
      const keys = await withStorage(config, async (storage) => {
        if (!(await getOrg(storage.db, orgId))) throw new UsageError(`no org ${orgId}`);
        return listApiKeys(storage.db, orgId);
      });
      const data = keys.map((k) => apiKeyBody(k, now));
      out.print(
        data.length
          ? data
              .map(
                (k) =>
                  `${k.id} ${k.prefix}… ${k.status} [${k.scopes.join(',')}] ${k.name} last used ${k.lastUsedAt ?? 'never'}`,
              )
              .join('\n')
          : 'no API keys',
        data,
      );
      return 0;
    }
    case 'apikey revoke': {
      const id = required(values, 'id');
      const key = await withStorage(config, (storage) => revokeApiKey(storage.db, null, id, now));
      if (!key) throw new UsageError(`no API key ${id}`);
      const data = apiKeyBody(key, now);
      out.print(`API key ${id} revoked at ${data.revokedAt}`, data);
      return 0;
    }
    case 'keys rotate': {
      const report = await withStorage(config, (storage, sealer) => resealAll(storage.db, sealer));
      const tables = ['domains', 'destinations', 'callbacks', 'events'] as const;
      const failed = tables.reduce((sum, table) => sum + report[table].failed, 0);
      out.print(
        [
          `sealed values now under key ${report.keyId}:`,
          ...tables.map(
            (t) =>
              `  ${t}: ${report[t].resealed} re-sealed, ${report[t].alreadyCurrent} already current${report[t].failed ? `, ${report[t].failed} FAILED` : ''}`,
          ),
          ...report.failures.map((f) => `  cannot open ${f.table} ${f.id}: ${f.error}`),
        ].join('\n'),
        report,
      );
      // Values no configured key opens must not go unnoticed: the old key is still needed for them.
      return failed > 0 ? 1 : 0;
    }
    default:
      throw new UsageError(`unknown command "${positionals.join(' ')}"`);
  }
}

export async function main(argv: string[]): Promise<void> {
  try {
    process.exitCode = await runCli(argv);
  } catch (error) {
    const json = argv.includes('--json');
    const kind = error instanceof UsageError || error instanceof ConfigError ? 'usage' : 'error';
    const message = error instanceof Error ? error.message : String(error);
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: kind, message } })}\n`);
    else
      process.stderr.write(
        `tagbridge: ${message}\n${kind === 'usage' ? '\nRun tagbridge --help for usage.\n' : ''}`,
      );
    process.exitCode = kind === 'usage' ? 2 : 1;
  }
}
