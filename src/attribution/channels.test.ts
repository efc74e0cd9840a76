import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { externalReferrerHost, repeatsTouchpoint, touchpointOf } from './channels.js';

const NOW = 1_767_225_600_000;
const landing = (
  url: string,
  extra: { referrer?: string | null; clickIds?: Record<string, string>; utm?: Record<string, string> } = {},
) => ({ url, referrer: extra.referrer ?? null, clickIds: extra.clickIds ?? {}, utm: extra.utm ?? {} });

describe('touchpointOf', () => {
  test('each click id names its platform', () => {
    const cases: Array<[string, string]> = [
      ['fbclid', 'meta'],
      ['gclid', 'google_ads'],
      ['gbraid', 'google_ads'],
      ['wbraid', 'google_ads'],
      ['msclkid', 'microsoft'],
      ['ttclid', 'tiktok'],
      ['epik', 'pinterest'],
      ['ScCid', 'snapchat'],
      ['rdt_cid', 'reddit'],
    ];
    for (const [name, channel] of cases) {
      const tp = touchpointOf(
        landing(`https://shop.example.com/?${name}=X1`, { clickIds: { [name]: 'X1' } }),
        NOW,
      );
      assert.equal(tp?.channel, channel, name);
      assert.deepEqual(tp?.details.clickIds, { [name.toLowerCase()]: { value: 'X1', at: NOW } });
    }
  });

  test('two click ids: the first by precedence, unless utm_source names the other', () => {
    const clickIds = { fbclid: 'F', gclid: 'G' };
    const url = 'https://shop.example.com/?fbclid=F&gclid=G';
    assert.equal(touchpointOf(landing(url, { clickIds }), NOW)?.channel, 'meta');
    assert.equal(
      touchpointOf(landing(url, { clickIds, utm: { source: 'Google' } }), NOW)?.channel,
      'google_ads',
    );
  });

  test('UTM without a click id is `utm`; the clear columns hold source, medium, campaign', () => {
    const tp = touchpointOf(
      landing('https://shop.example.com/?utm_source=news', {
        utm: { source: 'newsletter', medium: 'email', campaign: 'spring', term: 't', content: 'c' },
      }),
      NOW,
    );
    assert.deepEqual(
      { channel: tp?.channel, s: tp?.utmSource, m: tp?.utmMedium, c: tp?.utmCampaign },
      { channel: 'utm', s: 'newsletter', m: 'email', c: 'spring' },
    );
    assert.equal(tp?.details.utmTerm, 't');
    assert.equal(tp?.details.utmContent, 'c');
  });

  test('a UTM value that is an e-mail address is not kept', () => {
    const tp = touchpointOf(
      landing('https://shop.example.com/', { utm: { source: 'mail', content: 'jane@example.com' } }),
      NOW,
    );
    assert.equal(tp?.details.utmContent, undefined);
    const only = touchpointOf(
      landing('https://shop.example.com/', { utm: { source: 'jane@example.com' } }),
      NOW,
    );
    assert.equal(only, null);
  });

  test('an outside referrer is `referral` with its host as the source; the shop’s own is none', () => {
    const tp = touchpointOf(
      landing('https://www.shop.example.com/p/1', { referrer: 'https://www.google.com/search?q=x' }),
      NOW,
    );
    assert.deepEqual(
      { channel: tp?.channel, s: tp?.utmSource, m: tp?.utmMedium },
      { channel: 'referral', s: 'www.google.com', m: 'referral' },
    );
    assert.equal(
      touchpointOf(
        landing('https://www.shop.example.com/p/1', { referrer: 'https://checkout.shop.example.com/' }),
        NOW,
      ),
      null,
    );
    assert.equal(touchpointOf(landing('https://www.shop.example.com/p/1'), NOW), null);
  });

  test('unknown click-id names are dropped; an oversized one too', () => {
    assert.equal(touchpointOf(landing('https://shop.example.com/', { clickIds: { foo: 'x' } }), NOW), null);
    assert.equal(
      touchpointOf(landing('https://shop.example.com/', { clickIds: { fbclid: 'x'.repeat(513) } }), NOW),
      null,
    );
  });
});

describe('externalReferrerHost', () => {
  test('payment pages and unreadable referrers are not sources', () => {
    assert.equal(
      externalReferrerHost('https://shop.example.com/thanks', 'https://www.paypal.com/checkout'),
      null,
    );
    assert.equal(externalReferrerHost('https://shop.example.com/', 'not a url'), null);
    assert.equal(externalReferrerHost('https://shop.example.co.uk/', 'https://blog.example.co.uk/'), null);
    assert.equal(
      externalReferrerHost('https://shop.example.co.uk/', 'https://blog.other.co.uk/'),
      'blog.other.co.uk',
    );
    assert.equal(externalReferrerHost('http://localhost:3000/', 'http://localhost:3000/a'), null);
  });
});

describe('repeatsTouchpoint', () => {
  const draft = touchpointOf(
    landing('https://shop.example.com/?fbclid=F', { clickIds: { fbclid: 'F' }, utm: { source: 'fb' } }),
    NOW,
  )!;
  const latest = {
    channel: 'meta',
    utmSource: 'fb',
    utmMedium: null,
    utmCampaign: null,
    occurredAt: NOW - 60_000,
    clickIds: { fbclid: { value: 'F' } },
  };
  test('a reload within the window repeats; another click id or a later landing does not', () => {
    assert.equal(repeatsTouchpoint(draft, NOW, latest, 30 * 60_000), true);
    assert.equal(
      repeatsTouchpoint(draft, NOW, { ...latest, clickIds: { fbclid: { value: 'G' } } }, 30 * 60_000),
      false,
    );
    assert.equal(
      repeatsTouchpoint(draft, NOW, { ...latest, occurredAt: NOW - 31 * 60_000 }, 30 * 60_000),
      false,
    );
  });
});
