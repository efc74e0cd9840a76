import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { audit } from '../../management/audit.js';
import { checkDestinations } from '../../management/domains/destination-check.js';
import { type MappedEntry, mapSyncEntry, SYNC_TYPE_ALIASES } from '../../management/sync/mapping.js';
import { SyncStatusSchema, syncStatus } from '../../management/sync/status.js';
import {
  lockDomain,
  replaceDomainDestinations,
  type SyncedDestination,
} from '../../storage/repos/domain-admin.js';
import { getDomainById } from '../../storage/repos/domains.js';
import type { DestinationRow } from '../../storage/schema.js';
import { limitSyncWrites, syncAuth, syncDomain } from '../auth/sync-token.js';
import type { App } from '../types.js';

const TYPE_PATTERN = '^[A-Za-z0-9_.-]{1,40}$';

const SyncEntry = Type.Object(
  {
    type: Type.String({
      pattern: TYPE_PATTERN,
      description:
        'facebook (or meta), tiktok, pinterest, snapchat, reddit; other types are kept as unsupported.',
    }),
  },
  {
    // Each platform has its own fields, under the plugin's names (see docs/sync-api.md).
    additionalProperties: true,
  },
);

export const SyncDomainConfigBody = Type.Object(
  {
    sync_token: Type.Optional(
      Type.String({ maxLength: 128, description: 'Instead of Authorization: Bearer <sync token>.' }),
    ),
    destinations: Type.Union(
      [
        Type.Array(SyncEntry, { maxItems: 50 }),
        Type.Record(Type.String({ pattern: TYPE_PATTERN }), Type.Record(Type.String(), Type.Unknown()), {
          description: 'Or keyed by type: {"facebook": {…}, "tiktok": {…}}.',
        }),
      ],
      { description: 'The complete configuration: types left out are removed.' },
    ),
  },
  {
    // The plugin's wire format is not fully known: a field this version does not know is ignored (and its
    // name logged), never a reason to fail every sync.
    additionalProperties: true,
  },
);

/** Names of the body's top-level fields this version does not read (at most 20, each at most 64 chars). */
export function unknownSyncFields(body: object): string[] {
  return Object.keys(body)
    .filter((key) => !Object.hasOwn(SyncDomainConfigBody.properties, key))
    .slice(0, 20)
    .map((key) => key.slice(0, 64));
}

const DestinationResult = Type.Object({
  type: Type.String({ description: 'The type as sent.' }),
  ok: Type.Boolean(),
  status_code: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union(
    [Type.Literal('checked'), Type.Literal('disabled'), Type.Literal('invalid'), Type.Literal('unsupported')],
    {
      description:
        'checked: a test event was sent; disabled: stored, not tested; invalid: not stored (the previous config of this type is kept); unsupported: stored, never delivered to.',
    },
  ),
  destination_id: Type.Union([Type.String(), Type.Null()]),
});

export const SyncDomainConfigResponse = Type.Object({
  ...SyncStatusSchema.properties,
  destination_results: Type.Array(DestinationResult),
});

type Result = {
  type: string;
  ok: boolean;
  status_code: number | null;
  error: string | null;
  status: 'checked' | 'disabled' | 'invalid' | 'unsupported';
  destination_id: string | null;
};

export function registerSyncDomainConfig(app: App, deps: AppDeps): void {
  app.post(
    '/v1/sync/domain-config',
    {
      preValidation: syncAuth(deps),
      schema: {
        description:
          'The shop plugin pushes its complete destination configuration. It replaces the previous one atomically; each destination is then checked with a test-mode event, and the answer carries what the plugin stores.',
        body: SyncDomainConfigBody,
        response: { 200: SyncDomainConfigResponse },
      },
    },
    async (request, reply) => {
      const domain = syncDomain(request);
      await limitSyncWrites(deps, domain, reply);
      const ignored = unknownSyncFields(request.body);
      if (ignored.length > 0) {
        // Names only: values may hold credentials.
        request.log.warn(
          { domainId: domain.id, fields: ignored },
          `sync domain-config: ignored unknown top-level fields ${ignored.join(', ')}`,
        );
      }
      if (domain.status === 'deleted') {
        // Nothing to configure; the plugin learns the domain is gone (it has a "deleted" state for this).
        return { ...(await syncStatus(deps, domain)), destination_results: [] };
      }
      const raw = request.body.destinations;
      const entries = Array.isArray(raw)
        ? raw
        : Object.entries(raw).map(([type, fields]) => ({ ...fields, type }));
      const mapped: MappedEntry[] = entries.map((entry) =>
        mapSyncEntry(entry as typeof entry & { type: string }),
      );

      const seen = new Map<string, string>();
      for (const entry of mapped) {
        const type = entry.valid ? entry.destination.type : entry.type;
        const previous = seen.get(type);
        if (previous !== undefined) {
          throw new ApiError(
            'validation_failed',
            `destinations: ${previous} and ${entry.sentType} are the same destination`,
            {
              field: 'destinations',
              reason: `${type} appears twice`,
            },
          );
        }
        seen.set(type, entry.sentType);
      }

      const valid = mapped.flatMap((e) => (e.valid ? [e.destination] : []));
      // An invalid entry of an enabled destination keeps the previous config of its type (a typo must not
      // silence a working destination); a disabled one that does not validate is simply not configured.
      const keep = mapped.flatMap((e) => (!e.valid && e.enabled ? [e.type] : []));
      const now = deps.clock.now();
      const replaced = await deps.storage.db.transaction().execute(async (trx) => {
        const locked = await lockDomain(trx, deps.storage.dialect, domain.id);
        if (locked?.status === 'deleted') throw new ApiError('not_found', 'This domain was deleted');
        const result = await replaceDomainDestinations(trx, deps.sealer, {
          domain,
          entries: valid,
          keep,
          configStatus: keep.length > 0 ? 'sync_error' : 'synced',
          now,
        });
        await audit(trx, {
          orgId: domain.org_id,
          actorType: 'sync',
          actorId: domain.id,
          action: 'sync.domain_config',
          targetType: 'domain',
          targetId: domain.id,
          details: {
            stored: [...result.stored.keys()],
            removed: result.removed,
            invalid: mapped.flatMap((e) => (e.valid ? [] : [e.sentType])),
          },
          ip: request.ip,
          at: now,
        });
        return result;
      });
      await deps.caches.orgChanged(domain.org_id);

      const toCheck: DestinationRow[] = [];
      for (const destination of valid) {
        const row = replaced.stored.get(destination.type);
        if (row && destination.kind === 'supported' && row.enabled === 1) toCheck.push(row);
      }
      const checks = await checkDestinations(
        { config: deps.config, sealer: deps.sealer, db: deps.storage.db, now },
        domain,
        toCheck,
      );

      const results: Result[] = mapped.map((entry) => {
        if (!entry.valid) {
          return {
            type: entry.sentType,
            ok: false,
            status_code: null,
            error: entry.enabled ? `invalid configuration: ${entry.errors.join('; ')}` : null,
            status: entry.enabled ? 'invalid' : 'disabled',
            destination_id: null,
          };
        }
        const destination: SyncedDestination = entry.destination;
        const row = replaced.stored.get(destination.type);
        if (destination.kind === 'unsupported') {
          return {
            type: entry.sentType,
            ok: false,
            status_code: null,
            error: `unsupported destination type: kept, but Tagbridge delivers only to ${[...new Set(Object.keys(SYNC_TYPE_ALIASES))].join(', ')}`,
            status: 'unsupported',
            destination_id: row?.id ?? null,
          };
        }
        const check = row ? checks.get(row.id) : undefined;
        if (!check) {
          return {
            type: entry.sentType,
            ok: true,
            status_code: null,
            error: null,
            status: 'disabled',
            destination_id: row?.id ?? null,
          };
        }
        return {
          type: entry.sentType,
          ok: check.ok,
          status_code: check.statusCode,
          error: check.error,
          status: 'checked',
          destination_id: row?.id ?? null,
        };
      });
      const current = (await getDomainById(deps.storage.db, domain.id)) ?? domain;
      return { ...(await syncStatus(deps, current)), destination_results: results };
    },
  );
}
