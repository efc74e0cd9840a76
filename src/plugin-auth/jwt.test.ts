import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { jwtKeys, signPluginJwt, verifyPluginJwt } from './jwt.js';

const claims = { sub: 'usr_1', org: 'org_1', sid: 'pls_1' };
const now = Date.UTC(2026, 0, 1, 12, 0, 0);

test('a token verifies until its expiry, then is expired', async () => {
  const keys = jwtKeys([randomBytes(32)]);
  const token = await signPluginJwt(keys, claims, { now, ttlSeconds: 3600 });
  assert.deepEqual(await verifyPluginJwt(keys, token, now + 3599_000), { ok: true, claims });
  assert.deepEqual(await verifyPluginJwt(keys, token, now + 3600_000), { ok: false, reason: 'expired' });
});

test('another key, a changed payload, alg none: invalid', async () => {
  const keys = jwtKeys([randomBytes(32)]);
  const other = jwtKeys([randomBytes(32)]);
  const token = await signPluginJwt(other, claims, { now, ttlSeconds: 3600 });
  assert.deepEqual(await verifyPluginJwt(keys, token, now), { ok: false, reason: 'invalid' });
  const mine = await signPluginJwt(keys, claims, { now, ttlSeconds: 3600 });
  const [h, p, s] = mine.split('.');
  const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
  payload.org = 'org_2';
  const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
  assert.deepEqual(await verifyPluginJwt(keys, forged, now), { ok: false, reason: 'invalid' });
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
  assert.deepEqual(await verifyPluginJwt(keys, none, now), { ok: false, reason: 'invalid' });
});

test('a token of the previous ENCRYPTION_KEY still verifies after rotation', async () => {
  const old = randomBytes(32);
  const token = await signPluginJwt(jwtKeys([old]), claims, { now, ttlSeconds: 3600 });
  const rotated = jwtKeys([randomBytes(32), old]);
  assert.deepEqual(await verifyPluginJwt(rotated, token, now), { ok: true, claims });
});
