import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { GA4_EVENT_NAMES } from '../src/destinations/ga4/map.js';
import { META_EVENT_NAMES } from '../src/destinations/meta/map.js';
import { MICROSOFT_EVENT_NAMES } from '../src/destinations/microsoft/map.js';
import { PINTEREST_EVENT_NAMES } from '../src/destinations/pinterest/map.js';
import { REDDIT_EVENT_NAMES } from '../src/destinations/reddit/map.js';
import { DESTINATION_TYPES, destinations, isDestinationType } from '../src/destinations/registry.js';
import { SNAPCHAT_EVENT_NAMES } from '../src/destinations/snapchat/map.js';
import { TIKTOK_EVENT_NAMES } from '../src/destinations/tiktok/map.js';
import { EVENT_NAMES, type EventName, USER_DATA_KEYS } from '../src/destinations/types.js';
import { ERROR_CODES } from '../src/errors.js';
import { PLANS } from '../src/lib/plans.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const configSource = readFileSync(new URL('../src/config.ts', import.meta.url), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`## ${title}`);
  assert.ok(start >= 0, `README has a "${title}" section`);
  const end = readme.indexOf('\n## ', start + 3);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The URL variables the destinations declare (config.ts reads them from the registry). */
const URL_VARIABLES = DESTINATION_TYPES.flatMap((type) => Object.values(destinations[type].urls));

test('every environment variable config.ts reads is in the README configuration table, and no other', () => {
  const read = new Set<string>();
  for (const m of configSource.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)) read.add(m[1]!);
  for (const m of configSource.matchAll(/\(env, '([A-Z][A-Z0-9_]+)'/g)) read.add(m[1]!);
  for (const plan of PLANS) read.add(`PLAN_${plan.toUpperCase()}_MONTHLY_REQUESTS`);
  for (const plan of PLANS) read.add(`PLAN_${plan.toUpperCase()}_PRODUCTS`);
  for (const variable of URL_VARIABLES) read.add(variable.env);
  const documented = new Set(
    [...section('Configuration').matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!),
  );
  assert.deepEqual([...read].sort(), [...documented].sort());
});

test("each destination's URL variable has the default and meaning the destination declares", () => {
  const table = section('Configuration');
  const rows = URL_VARIABLES.map((v) => `| \`${v.env}\` | \`${v.default}\` | ${v.description} |`);
  assert.deepEqual(
    rows.filter((row) => !table.includes(row)),
    [],
    'rows missing from the README configuration table',
  );
});

/** The README's config cell of a destination: its own fields in schema order, `?` when optional, any default. */
function configFieldsCell(type: string): string {
  if (!isDestinationType(type)) return `(${type} is not a registered destination)`;
  const schema = destinations[type].configSchema;
  return Object.entries(schema.properties)
    .filter(([name]) => name !== 'enabled' && name !== 'eventNames')
    .map(([name, property]) => {
      const optional = schema.required?.includes(name) ? '' : '?';
      const fallback = (property as { default?: unknown }).default;
      return `\`${name}${optional}\`${fallback === undefined ? '' : ` (default \`${String(fallback)}\`)`}`;
    })
    .join(', ');
}

test('the README destinations table: every registered type in order, its config fields, its base URL variable', () => {
  const rows = [...section('Destinations').matchAll(/^\| `([a-z0-9_]+)` \| (.*) \| (.*) \|$/gm)];
  assert.deepEqual(
    rows.map((row) => row[1]),
    [...DESTINATION_TYPES],
  );
  for (const [, type = '', fields, endpoint = ''] of rows) {
    assert.equal(fields, configFieldsCell(type), `${type}: the config cell`);
    const variable = isDestinationType(type) ? destinations[type].urls.api.env : '?';
    assert.ok(endpoint.includes(`{${variable}}`), `${type}: the endpoint names {${variable}}`);
  }
});

test('every error code is documented with its HTTP status', () => {
  const table = section('Proxy API');
  for (const [code, status] of Object.entries(ERROR_CODES)) {
    assert.match(
      table,
      new RegExp(`\\| \`${code}\` \\| ${status} \\|`),
      `${code} ${status} is in the README`,
    );
  }
});

const mappingDoc = readFileSync(new URL('../docs/event-mapping.md', import.meta.url), 'utf8');
const PLATFORMS = ['Meta', 'TikTok', 'Pinterest', 'Snapchat', 'Reddit', 'GA4', 'Microsoft'] as const;
type Platform = (typeof PLATFORMS)[number];
const ADAPTERS: Record<Platform, Readonly<Record<EventName, string>>> = {
  Meta: META_EVENT_NAMES,
  TikTok: TIKTOK_EVENT_NAMES,
  Pinterest: PINTEREST_EVENT_NAMES,
  Snapchat: SNAPCHAT_EVENT_NAMES,
  Reddit: REDDIT_EVENT_NAMES,
  GA4: GA4_EVENT_NAMES,
  Microsoft: MICROSOFT_EVENT_NAMES,
};
/** The platforms seed 001's table covers (GA4 and Microsoft came with issue 9). */
const SEEDED = ['Meta', 'TikTok', 'Pinterest', 'Snapchat', 'Reddit'] as const satisfies readonly Platform[];

/** Seed 001's table ("Supported Destinations"), copied from the seed: Meta, TikTok, Pinterest, Snapchat, Reddit. */
const SEED_001: Record<EventName, [string, string, string, string, string]> = {
  PageVisit: ['PageView', 'Pageview', 'page_visit', 'PAGE_VIEW', 'PageVisit'],
  ViewContent: ['ViewContent', 'ViewContent', 'view_category', 'VIEW_CONTENT', 'ViewContent'],
  Search: ['Search', 'Search', 'search', 'SEARCH', 'Search'],
  AddToCart: ['AddToCart', 'AddToCart', 'add_to_cart', 'ADD_CART', 'AddToCart'],
  AddToWishlist: ['AddToWishlist', 'AddToWishlist', 'add_to_wishlist', 'ADD_TO_WISHLIST', 'AddToWishlist'],
  Purchase: ['Purchase', 'CompletePayment', 'checkout', 'PURCHASE', 'Purchase'],
  Lead: ['Lead', 'SubmitForm', 'lead', 'SIGN_UP', 'Lead'],
  SignUp: ['CompleteRegistration', 'CompleteRegistration', 'signup', 'SIGN_UP', 'SignUp'],
  Custom: ['CustomEvent', 'CustomEvent', 'custom', 'CUSTOM_EVENT_1', 'Custom'],
};

/** The rows of the markdown table under `## heading`, as cells with backticks removed (header and rule dropped). */
function tableRows(heading: string): string[][] {
  const start = mappingDoc.indexOf(`## ${heading}`);
  assert.ok(start >= 0, `docs/event-mapping.md has "## ${heading}"`);
  const end = mappingDoc.indexOf('\n## ', start + 3);
  const lines = mappingDoc
    .slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((line) => line.startsWith('|'));
  return lines.slice(2).map((line) =>
    line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim().replace(/^`([^`]*)`$/, '$1')),
  );
}

test('docs/event-mapping.md: the default-name table is what every adapter maps', () => {
  const rows = tableRows('Default names');
  assert.deepEqual(
    rows.map((r) => r[0]),
    [...EVENT_NAMES],
    'one row per event type, in order',
  );
  for (const [event, ...names] of rows) {
    PLATFORMS.forEach((platform, i) => {
      assert.equal(names[i], ADAPTERS[platform][event as EventName], `${event} → ${platform}`);
    });
  }
});

test('docs/event-mapping.md: every difference from seed 001 is listed with a reason, and nothing else', () => {
  const expected: string[] = [];
  for (const event of EVENT_NAMES) {
    SEEDED.forEach((platform, i) => {
      const sent = ADAPTERS[platform][event];
      if (sent !== SEED_001[event][i]) expected.push(`${event} ${platform} ${SEED_001[event][i]} → ${sent}`);
    });
  }
  const rows = tableRows('Where this differs from seed 001');
  const listed = rows.map(([event, platform, seed, sent]) => `${event} ${platform} ${seed} → ${sent}`);
  assert.deepEqual([...listed].sort(), [...expected].sort());
  for (const row of rows) assert.ok((row[4] ?? '').length > 10, `${row[0]} ${row[1]} gives a reason`);
});

test('docs/diagnostics.md: the match-weights table is what every registered destination declares', () => {
  const doc = readFileSync(new URL('../docs/diagnostics.md', import.meta.url), 'utf8');
  const lines = doc.split('\n').filter((line) => line.startsWith('| '));
  const header = lines.find((line) => line.startsWith('| identifier |'));
  assert.ok(header, 'the weights table is there');
  const columns = header
    .split('|')
    .slice(2, -1)
    .map((cell) => cell.trim());
  assert.deepEqual(columns, [...DESTINATION_TYPES], 'one column per registered destination, in order');
  const documented = new Map<string, string[]>();
  for (const line of lines) {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    const key = /^`(\w+)`$/.exec(cells[0] ?? '')?.[1];
    if (key && (USER_DATA_KEYS as readonly string[]).includes(key)) documented.set(key, cells.slice(1));
  }
  for (const key of USER_DATA_KEYS) {
    const declared = DESTINATION_TYPES.map((type) => {
      const weight = destinations[type].matchWeights[key];
      return weight === undefined ? '—' : String(weight);
    });
    if (declared.every((cell) => cell === '—')) {
      assert.equal(documented.has(key), false, `${key} is used by no destination`);
      continue;
    }
    assert.deepEqual(documented.get(key), declared, `weights of ${key}`);
  }
});
