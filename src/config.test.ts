import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Config, ConfigError, loadConfig } from './config.js';
import { DESTINATION_TYPES, type DestinationType, destinations } from './destinations/registry.js';

const key = randomBytes(32).toString('base64');

test('defaults: port 8080, ./data, 120 requests per IP per minute, 48 h dedup, enterprise unlimited', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tb-config-'));
  try {
    const config = loadConfig({ DATA_DIR: dir, ENCRYPTION_KEY: key });
    assert.equal(config.port, 8080);
    assert.equal(config.proxy.rateLimitPerMinute, 120);
    assert.equal(config.proxy.bodyLimitBytes, 100 * 1024);
    assert.equal(config.proxy.dedupWindowSeconds, 48 * 3600);
    assert.equal(config.planQuotas.enterprise, null);
    assert.equal(config.delivery.backoffBaseMs, 10_000);
    assert.equal(config.delivery.backoffCapMs, 600_000);
    assert.equal(config.delivery.retryHorizonMs, 4 * 3600_000);
    assert.equal(config.platformUrls.meta, 'https://graph.facebook.com');
    assert.ok(Object.isFrozen(config));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('embedded mode without ENCRYPTION_KEY generates one into DATA_DIR, and reuses it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tb-config-'));
  try {
    const first = loadConfig({ DATA_DIR: dir });
    assert.equal(first.encryptionKeyGenerated, true);
    assert.ok(existsSync(join(dir, 'encryption.key')));
    assert.equal(Buffer.from(readFileSync(join(dir, 'encryption.key'), 'utf8').trim(), 'base64').length, 32);
    const second = loadConfig({ DATA_DIR: dir });
    assert.equal(second.encryptionKeyGenerated, false);
    assert.deepEqual(second.encryptionKeys[0], first.encryptionKeys[0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with DATABASE_URL, start-up refuses without ENCRYPTION_KEY', () => {
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'postgres://localhost/x', DATA_DIR: tmpdir() }),
    (error: unknown) => error instanceof ConfigError && /ENCRYPTION_KEY is required/.test(error.message),
  );
});

test('bad values are refused with the variable named', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /PORT/],
    [{ ENCRYPTION_KEY: 'c2hvcnQ=' }, /ENCRYPTION_KEY must be 32 bytes/],
    [{ META_GRAPH_URL: 'ftp://x' }, /META_GRAPH_URL/],
    [{ TRUST_PROXY: 'maybe' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: '33' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: '10.0.0.1,proxy.local' }, /TRUST_PROXY.*proxy\.local/],
    [{ DATABASE_URL: 'mysql://x', ENCRYPTION_KEY: key }, /DATABASE_URL/],
    [{ PLAN_FREE_MONTHLY_REQUESTS: '-5' }, /PLAN_FREE_MONTHLY_REQUESTS/],
    [{ PLAN_FREE_PRODUCTS: 'lots' }, /PLAN_FREE_PRODUCTS/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ PROXY_CORS_EXTRA_ORIGINS: 'https://ok.test,shop.test' }, /PROXY_CORS_EXTRA_ORIGINS: "shop.test"/],
    [{ PROXY_CORS_EXTRA_ORIGINS: 'https://shop.test/' }, /PROXY_CORS_EXTRA_ORIGINS/],
    [{ PROXY_CORS_EXTRA_ORIGINS: 'https://shop.test/path' }, /PROXY_CORS_EXTRA_ORIGINS/],
    [{ PROXY_CORS_EXTRA_ORIGINS: 'ftp://shop.test' }, /PROXY_CORS_EXTRA_ORIGINS/],
  ];
  for (const [env, pattern] of cases) {
    assert.throws(() => loadConfig({ DATA_DIR: tmpdir(), ENCRYPTION_KEY: key, ...env }), pattern);
  }
});

test('PROXY_RATE_LIMIT_PER_MINUTE=0 turns the limit off; quotas accept "unlimited"', () => {
  const config = loadConfig({
    DATA_DIR: tmpdir(),
    ENCRYPTION_KEY: key,
    PROXY_RATE_LIMIT_PER_MINUTE: '0',
    PLAN_PRO_MONTHLY_REQUESTS: 'unlimited',
  });
  assert.equal(config.proxy.rateLimitPerMinute, 0);
  assert.equal(config.planQuotas.pro, null);
});

test('product limits per plan: defaults, a number, or "unlimited"', () => {
  const defaults = loadConfig({ DATA_DIR: tmpdir(), ENCRYPTION_KEY: key }).planProductLimits;
  assert.deepEqual(defaults, { free: 1_000, starter: 10_000, pro: 100_000, enterprise: null });
  const set = loadConfig({
    DATA_DIR: tmpdir(),
    ENCRYPTION_KEY: key,
    PLAN_FREE_PRODUCTS: '120',
    PLAN_PRO_PRODUCTS: 'unlimited',
  }).planProductLimits;
  assert.equal(set.free, 120);
  assert.equal(set.pro, null);
});

test('PROXY_CORS_EXTRA_ORIGINS: comma-separated origins, in the form browsers send them', () => {
  const config = loadConfig({
    DATA_DIR: tmpdir(),
    ENCRYPTION_KEY: key,
    PROXY_CORS_EXTRA_ORIGINS: ' https://Staging.Acme.dev , http://localhost:3000,',
  });
  assert.deepEqual(config.proxy.corsExtraOrigins, ['https://staging.acme.dev', 'http://localhost:3000']);
  assert.deepEqual(loadConfig({ DATA_DIR: tmpdir(), ENCRYPTION_KEY: key }).proxy.corsExtraOrigins, []);
});

test('TRUST_PROXY: off by default, a boolean word, a hop count, or the proxy addresses to trust', () => {
  const trust = (value?: string) =>
    loadConfig({
      DATA_DIR: tmpdir(),
      ENCRYPTION_KEY: key,
      ...(value === undefined ? {} : { TRUST_PROXY: value }),
    }).trustProxy;
  assert.equal(trust(), false);
  // true is one hop (the right-most X-Forwarded-For entry), never "every entry" (the client's own).
  assert.equal(trust('true'), 1);
  assert.equal(trust('1'), 1);
  assert.equal(trust('2'), 2);
  assert.equal(trust('0'), false);
  assert.deepEqual(trust('10.0.0.0/8, 127.0.0.1,::1'), ['10.0.0.0/8', '127.0.0.1', '::1']);
});

/** A destination's URL by the name it declares it under (`api` is its base URL). */
function platformUrl(config: Config, type: DestinationType, name: string): string | undefined {
  return name === 'api' ? config.platformUrls[type] : config.platformExtraUrls[type][name];
}

test("every destination's URL variables are read, validated and defaulted, as the destination declares them", () => {
  const base = { DATA_DIR: tmpdir(), ENCRYPTION_KEY: key };
  const defaults = loadConfig(base);
  for (const type of DESTINATION_TYPES) {
    for (const [name, declared] of Object.entries(destinations[type].urls)) {
      assert.equal(platformUrl(defaults, type, name), declared.default, `${type} ${name}`);
      const set = loadConfig({ ...base, [declared.env]: ' http://127.0.0.1:4010/fake/ ' });
      assert.equal(platformUrl(set, type, name), 'http://127.0.0.1:4010/fake', declared.env);
      assert.throws(
        () => loadConfig({ ...base, [declared.env]: 'ftp://x' }),
        (error: unknown) =>
          error instanceof ConfigError && error.message.startsWith(`${declared.env} must be an http(s) URL`),
      );
    }
  }
});

test('metrics: off by default; METRICS_PORT and METRICS_TOKEN are validated', () => {
  const base = { DATA_DIR: tmpdir(), ENCRYPTION_KEY: key };
  assert.deepEqual(loadConfig(base).metrics, { port: null, token: null });
  const token = 'a'.repeat(24);
  assert.deepEqual(loadConfig({ ...base, METRICS_PORT: '9090', METRICS_TOKEN: token }).metrics, {
    port: 9090,
    token,
  });
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ METRICS_PORT: 'nine' }, /METRICS_PORT/],
    [{ METRICS_PORT: '70000' }, /METRICS_PORT/],
    [{ METRICS_PORT: '8080' }, /METRICS_PORT must differ from PORT/],
    [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN/],
    [{ METRICS_TOKEN: `${'a'.repeat(20)} with space` }, /METRICS_TOKEN/],
  ];
  for (const [env, pattern] of cases) assert.throws(() => loadConfig({ ...base, ...env }), pattern);
});
