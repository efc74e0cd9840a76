import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { USER_DATA_KEYS, type UserData } from '../destinations/types.js';
import { Sealer } from '../lib/crypto.js';
import { matchKeyNames, matchKeysColumn, openPayload, sealPayload } from './sealed-payload.js';

const sealer = new Sealer([randomBytes(32)]);

test('every user-data key round-trips through the compact sealed form', () => {
  const userData = Object.fromEntries(USER_DATA_KEYS.map((key, i) => [key, `value-${i}`])) as UserData;
  const members = { meta: { event_id: 'e1', user_data: { em: 'abc' } } };
  const sealed = sealPayload(sealer, { u: userData, m: members }, 'evt_1');
  assert.deepEqual(openPayload(sealer, sealed, 'evt_1'), { u: userData, m: members });
  assert.throws(() => openPayload(sealer, sealed, 'evt_2'));
});

test('the compact form is smaller than the text sealing of the same data by a third or more', () => {
  const u: UserData = {
    email: 'Jane.Doe@Example.com',
    phone: '(650) 555-1212',
    firstName: 'Jane',
    lastName: 'Doe',
    city: 'Menlo Park',
    state: 'CA',
    zip: '94025',
    country: 'US',
    ipAddress: '203.0.113.42',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
    fbc: 'fb.1.1700000000.AbCdEf',
    fbp: 'fb.1.1700000000.1234567890',
  };
  const compact = sealPayload(sealer, { u }, 'evt_1').length;
  const text = sealer.seal({ u }, 'evt_1').length;
  assert.ok(compact <= text * 0.67, `${compact} bytes vs ${text}`);
});

test('values sealed by an earlier release (text format, full key names) still open', () => {
  const legacy = sealer.seal({ u: { email: 'jane@example.com', userAgent: 'UA' } }, 'evt_9');
  assert.deepEqual(openPayload(sealer, legacy, 'evt_9'), {
    u: { email: 'jane@example.com', userAgent: 'UA' },
  });
});

test('match keys are stored as codes and listed as names; rows of earlier releases list as they were', () => {
  const column = matchKeysColumn({ email: 'a@b.c', userAgent: 'UA', rdtUuid: 'x' });
  assert.equal(column, 'e,ua,ru');
  assert.deepEqual(matchKeyNames(column), ['email', 'userAgent', 'rdtUuid']);
  assert.deepEqual(matchKeyNames('email,phone'), ['email', 'phone']);
  assert.deepEqual(matchKeyNames(''), []);
  // Every key has its own code: no two keys would list as the same name.
  const all = Object.fromEntries(USER_DATA_KEYS.map((key) => [key, 'v'])) as UserData;
  assert.deepEqual(matchKeyNames(matchKeysColumn(all)), [...USER_DATA_KEYS]);
});
