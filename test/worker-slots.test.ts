/**
 * How the delivery worker shares its slots (DELIVERY_CONCURRENCY batches in flight): a lone backlog fills
 * them all, so its batches overlap; once another destination has work, a freed slot goes to the destination
 * with the fewest batches in flight. The platform is a sender that holds every request until the test lets
 * it answer, so what is in flight can be counted. Runs on both dialects.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { HttpSender, SendResult } from '../src/delivery/http-client.js';
import { DeliveryWorker } from '../src/delivery/worker.js';
import type { HttpRequest } from '../src/destinations/types.js';
import { systemClock } from '../src/lib/clock.js';
import {
  capturingLogger,
  createTenant,
  eventually,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from './harness.js';

/** Answers 200 to a request only when the test releases it; remembers which pixel each one was for. */
class HeldSender implements HttpSender {
  readonly held: Array<{ pixel: string; release: () => void }> = [];
  async send(req: HttpRequest): Promise<SendResult> {
    const pixel = /\/(\d+)\/events/.exec(req.url)?.[1] ?? '';
    const events = (req.body as { data: unknown[] }).data.length;
    await new Promise<void>((release) => this.held.push({ pixel, release }));
    return {
      ok: true,
      response: { status: 200, headers: {}, body: JSON.stringify({ events_received: events }) },
    };
  }
  inFlight(pixel: string): number {
    return this.held.filter((h) => h.pixel === pixel).length;
  }
  releaseOne(pixel: string): void {
    const i = this.held.findIndex((h) => h.pixel === pixel);
    const [one] = this.held.splice(i, 1);
    one?.release();
  }
  releaseAll(): void {
    for (const h of this.held.splice(0)) h.release();
  }
  async close(): Promise<void> {}
}

describe('delivery worker slots', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ role: 'api', env: { PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
  });
  after(async () => {
    await service.destroy();
  });

  const tenantWith = (pixelId: string): Promise<Tenant> =>
    createTenant(service, {
      plan: 'enterprise',
      destinations: { meta: { pixelId, accessToken: 'EAAB-good-token-1234' } },
    });
  /** Meta leases up to 1,000 deliveries a batch: `count` events make ceil(count / 1000) batches. */
  const queue = async (tenant: Tenant, count: number): Promise<void> => {
    for (let sent = 0; sent < count; sent += 100) {
      const res = await service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        payload: { events: Array.from({ length: Math.min(100, count - sent) }, () => purchaseEvent()) },
      });
      assert.equal(res.statusCode, 200, res.body);
    }
  };

  test('a lone backlog fills every slot; a freed slot goes to the destination with the fewest in flight', async () => {
    const busy = await tenantWith('1000000001');
    await queue(busy, 5000);
    const sender = new HeldSender();
    const worker = new DeliveryWorker({
      storage: service.storage,
      sealer: service.sealer,
      clock: systemClock,
      config: service.config,
      sender,
      log: capturingLogger().logger,
    });
    assert.equal(service.config.delivery.concurrency, 4);
    worker.start();
    try {
      // Four batches of the one destination at once (the worker used to stop at two per destination).
      await eventually(async () => sender.inFlight('1000000001') === 4);

      const other = await tenantWith('1000000002');
      await queue(other, 10);
      worker.wake();
      // The busy destination still has a batch due; the freed slot goes to the other one all the same.
      sender.releaseOne('1000000001');
      await eventually(async () => sender.inFlight('1000000002') === 1);
      assert.equal(sender.inFlight('1000000001'), 3);
    } finally {
      const stopping = worker.stop(5000);
      // Let every held request (and any started while stopping) answer, so the worker can finish.
      const drain = setInterval(() => sender.releaseAll(), 10);
      await stopping;
      clearInterval(drain);
    }
  });
});
