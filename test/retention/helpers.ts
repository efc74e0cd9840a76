/** Rows for retention and erasure tests, written straight into the tables with chosen times. */
import { randomBytes } from 'node:crypto';
import type { Service } from '../../src/main.js';
import { insertDeliveryRows, type Tenant } from '../harness.js';

export const DAY = 24 * 3600_000;

export interface SeedEvent {
  id: string;
  receivedAt: number;
  status: 'pending' | 'delivered' | 'failed' | 'dead';
  eventName?: string;
  customData?: Record<string, unknown> | null;
}

let counter = 0;
export const uniqueId = (prefix: string): string => {
  counter += 1;
  return `${prefix}_${randomBytes(5).toString('hex')}${counter}`;
};

/** Events of the tenant's first destination, each with one delivery (and one attempt) in `status`. */
export async function seedEvents(service: Service, tenant: Tenant, events: SeedEvent[]): Promise<void> {
  const { db } = service.storage;
  const destinationId = Object.values(tenant.destinations)[0];
  const destinationType = Object.keys(tenant.destinations)[0];
  if (!destinationId || !destinationType) throw new Error('the tenant needs a destination');
  for (let i = 0; i < events.length; i += 500) {
    const chunk = events.slice(i, i + 500);
    await db
      .insertInto('events')
      .values(
        chunk.map((e) => ({
          id: e.id,
          org_id: tenant.org.id,
          domain_id: tenant.domain.id,
          event_name: e.eventName ?? 'Purchase',
          custom_event_name: null,
          event_id: `seed-${e.id}`,
          source: 'PROXY',
          event_time: Math.floor(e.receivedAt / 1000),
          received_at: e.receivedAt,
          event_source_url: 'https://shop.example.com/checkout/',
          custom_data:
            e.customData === null ? null : JSON.stringify(e.customData ?? { currency: 'EUR', value: 10 }),
          match_keys: 'e',
          pii_sealed: null,
          pii_group: null,
          pii_slot: null,
          pii_erased_at: e.status === 'pending' ? null : e.receivedAt,
          consent: null,
          diagnostics: 0,
        })),
      )
      .execute();
    await insertDeliveryRows(
      db,
      chunk.map((e) => ({
        id: `dlv_${e.id}`,
        event_pk: e.id,
        org_id: tenant.org.id,
        domain_id: tenant.domain.id,
        destination_id: destinationId,
        destination_type: destinationType,
        status: e.status,
        attempts: 1,
        // A pending one is not due for a year: it stays in the queue through the test.
        next_attempt_at: e.status === 'pending' ? Date.now() + 365 * DAY : e.receivedAt,
        lease_owner: null,
        lease_expires_at: null,
        event_time: Math.floor(e.receivedAt / 1000),
        event_received_at: e.receivedAt,
        give_up_at: e.status === 'pending' ? Date.now() + 365 * DAY : e.receivedAt + DAY,
        last_status_code: null,
        last_error: null,
        created_at: e.receivedAt,
        updated_at: e.receivedAt,
        final_at: e.status === 'pending' ? null : e.receivedAt,
      })),
    );
    await db
      .insertInto('delivery_attempts')
      .values(
        chunk.map((e) => ({
          id: `att_${e.id}`,
          delivery_id: `dlv_${e.id}`,
          attempt: 1,
          at: e.receivedAt,
          status_code: 200,
          outcome: e.status === 'pending' ? 'retry' : 'delivered',
          message: null,
        })),
      )
      .execute();
  }
}
