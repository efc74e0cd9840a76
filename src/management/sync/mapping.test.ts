import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapSyncEntry } from './mapping.js';

test('plugin sync: GA4 and Microsoft entries are kept as unsupported (the plugin’s field names are unknown)', () => {
  for (const type of ['ga4', 'google_ga4', 'microsoft']) {
    const mapped = mapSyncEntry({ type, measurement_id: 'G-ABC123', api_secret: 'secret' });
    assert.equal(mapped.valid, true, type);
    assert.equal(mapped.valid && mapped.destination.kind, 'unsupported', type);
  }
});
