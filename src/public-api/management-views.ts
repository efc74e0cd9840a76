/** What the management API shows of API keys and custom event definitions; shared by their operations. */
import { type Static, Type } from 'typebox';
import type { ApiKeyView } from '../storage/repos/api-keys.js';
import { apiKeyStatus } from '../storage/repos/api-keys.js';
import type { CustomEventDefinition } from '../storage/repos/custom-events.js';
import { parseScopes, SCOPES } from './keys.js';

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const NullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const ScopeSchema = Type.Enum([...SCOPES], {
  description:
    'events:read (GET /api/v1/events), events:write (POST /api/v1/events), stats:read (GET /api/v1/stats)',
});

export const ApiKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it (sp_AbCd1234).' }),
  scopes: Type.Array(ScopeSchema),
  domainId: Type.Union([Type.String(), Type.Null()], { description: 'null: every domain of the org.' }),
  status: Type.Union([Type.Literal('active'), Type.Literal('revoked'), Type.Literal('expired')]),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.Union([Type.String(), Type.Null()], { description: 'User id, or cli.' }),
  lastUsedAt: NullableTime,
  expiresAt: NullableTime,
  revokedAt: NullableTime,
});
export type ApiKeyBody = Static<typeof ApiKeySchema>;

export function apiKeyBody(key: ApiKeyView, now: number): ApiKeyBody {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: parseScopes(key.scopes),
    domainId: key.domainId,
    status: apiKeyStatus(key, now),
    createdAt: new Date(key.createdAt).toISOString(),
    createdBy: key.createdBy,
    lastUsedAt: isoOrNull(key.lastUsedAt),
    expiresAt: isoOrNull(key.expiresAt),
    revokedAt: isoOrNull(key.revokedAt),
  };
}

export const CustomEventSchema = Type.Object({
  id: Type.String(),
  name: Type.String({ description: 'The eventName API clients send.' }),
  description: Type.Union([Type.String(), Type.Null()]),
  isActive: Type.Boolean({ description: 'Only active definitions are accepted by POST /api/v1/events.' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type CustomEventBody = Static<typeof CustomEventSchema>;

export function customEventBody(definition: CustomEventDefinition): CustomEventBody {
  return {
    id: definition.id,
    name: definition.name,
    description: definition.description,
    isActive: definition.isActive,
    createdAt: new Date(definition.createdAt).toISOString(),
    updatedAt: new Date(definition.updatedAt).toISOString(),
  };
}
