/**
 * SESSION_IDLE_TIMEOUT_MS at its minimum (issue 14 §4): last_seen_at was written at most once a minute, so
 * with a 60 s idle timeout an active user was logged out after 60 s. Activity now keeps the session alive;
 * idleness still ends it. Time is the manual clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { touchIntervalMs } from '../../src/http/auth/session.js';
import { createSession, ManualClock, startTestService } from '../harness.js';

test('with the minimum idle timeout, a user active every 20 s stays signed in; 60 s idle ends it', async () => {
  const clock = new ManualClock(Date.now());
  const service = await startTestService({ role: 'api', clock, env: { SESSION_IDLE_TIMEOUT_MS: '60000' } });
  try {
    const session = await createSession(service, {});
    const me = async () =>
      (await service.app!.inject({ method: 'GET', url: '/v1/auth/me', headers: session.headers })).statusCode;
    assert.equal(await me(), 200);
    // Five minutes of a request every 20 s.
    for (let i = 1; i <= 15; i += 1) {
      clock.advance(20_000);
      assert.equal(await me(), 200, `still signed in after ${i * 20} s of activity`);
    }
    clock.advance(60_000);
    assert.equal(await me(), 401, 'a minute without a request ends the session');
  } finally {
    await service.destroy();
  }
});

test('the touch interval is a minute at most and a tenth of the idle timeout', () => {
  assert.equal(touchIntervalMs(24 * 3600_000), 60_000);
  assert.equal(touchIntervalMs(60_000), 6_000);
});
