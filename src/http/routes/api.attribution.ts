import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import {
  AttributionQuerySchema,
  AttributionReportSchema,
  attributionReport,
  reportInput,
} from '../../attribution/report.js';
import { ApiError } from '../../errors.js';
import { readDomainScope } from '../../public-api/domain-scope.js';
import { parseTimeBound } from '../../public-api/query.js';
import { API_ERROR_RESPONSES, API_TAG, BEARER_SECURITY } from '../../public-api/schemas.js';
import { requireApiKey, withoutCors } from '../auth/api-key.js';
import type { App } from '../types.js';

export const ApiAttributionQuery = Type.Object(
  {
    ...AttributionQuerySchema.properties,
    domainId: Type.Optional(
      Type.String({ maxLength: 100, description: 'The domain (required for org-wide keys).' }),
    ),
  },
  { additionalProperties: false },
);

export function registerApiAttribution(app: App, deps: AppDeps): void {
  app.get(
    '/api/v1/attribution',
    {
      onRequest: requireApiKey(deps, 'attribution:read'),
      onSend: withoutCors,
      schema: {
        summary: 'Orders attributed to channels (first and last click)',
        description:
          'Attribution of the domain’s orders in the range to the pixel’s touchpoints of the buyer’s visitors (stitched by e-mail or customer id): per channel, orders and revenue as first click and as last click, and the orders with their first and last touchpoint (channel, UTM source/medium/campaign, time; no URLs or click ids). Requires attribution:read.',
        tags: [API_TAG],
        security: BEARER_SECURITY,
        querystring: ApiAttributionQuery,
        response: { 200: AttributionReportSchema, ...API_ERROR_RESPONSES },
      },
    },
    async (request) => {
      const auth = request.apiKey!;
      const { domainId: requested, ...query } = request.query;
      const domainId = await readDomainScope(deps.storage.db, auth, requested);
      if (domainId === undefined) {
        throw new ApiError('validation_failed', 'domainId is required for a key of every domain', {
          field: 'domainId',
          reason: 'required',
        });
      }
      const input = reportInput(
        {
          orgId: auth.orgId,
          domainId,
          now: deps.clock.now(),
          defaultWindowDays: deps.config.pixel.attributionWindowDays,
        },
        query,
        parseTimeBound,
      );
      return attributionReport(deps.storage.db, input);
    },
  );
}
