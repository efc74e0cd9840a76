import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'typebox';
import { commonFields, credentialString, parseConfigWith } from './config.js';

const schema = Type.Object(
  {
    id: credentialString({ description: 'id', pattern: '^[0-9]+$' }),
    token: credentialString({ description: 'token', secret: true }),
    ...commonFields(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

describe('parseConfigWith', () => {
  it('trims pasted strings before validating', () => {
    assert.deepEqual(parseConfigWith(schema, { id: ' 42\n', token: '\tabc ' }), {
      ok: true,
      config: { id: '42', token: 'abc' },
    });
  });
  it('names each failing field', () => {
    const result = parseConfigWith(schema, { id: 'x', token: 'has space', eventNames: { Purchase: '' } });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.ok(result.errors.some((e) => e.startsWith('id:')));
    assert.ok(result.errors.some((e) => e.startsWith('token:')));
    assert.ok(result.errors.some((e) => e.startsWith('eventNames.Purchase:')));
  });
  it('rejects unknown event types in overrides', () => {
    assert.equal(parseConfigWith(schema, { id: '1', token: 't', eventNames: { Checkout: 'x' } }).ok, false);
  });
  it('marks the secret in the schema', () => {
    assert.equal((schema.properties.token as { secret?: boolean }).secret, true);
  });
});
