import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { destinations } from '../../destinations/registry.js';
import { secretFields } from '../../destinations/shared/config.js';
import { DESTINATION_TYPES } from '../../destinations/types.js';
import { sessionRole } from '../auth/org-access.js';
import type { App } from '../types.js';

export const DestinationTypesResponse = Type.Object({
  types: Type.Array(
    Type.Object({
      type: Type.String(),
      label: Type.String(),
      configSchema: Type.Unknown({
        description: 'JSON Schema of PUT …/destinations/:type’s config; secret fields carry "secret": true.',
      }),
      secretFields: Type.Array(Type.String(), { description: 'Fields shown only as masked previews.' }),
      limits: Type.Object({
        maxBatchSize: Type.Integer(),
        maxEventAgeSeconds: Type.Integer(),
        requestsPerSecond: Type.Number(),
      }),
    }),
  ),
});

export function registerDestinationTypesList(app: App, deps: AppDeps): void {
  app.get(
    '/v1/destination-types',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: {
        description: 'Every destination type with its label and configuration schema, for rendering forms.',
        response: { 200: DestinationTypesResponse },
      },
    },
    async () => ({
      types: DESTINATION_TYPES.map((type) => {
        const adapter = destinations[type];
        return {
          type,
          label: adapter.label,
          configSchema: adapter.configSchema,
          secretFields: secretFields(adapter.configSchema),
          limits: { ...adapter.limits },
        };
      }),
    }),
  );
}
