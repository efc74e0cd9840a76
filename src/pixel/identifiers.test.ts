import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cookieAttributes, cookieDomain, mergeCookies } from './cookies.js';
import { type IdentifierInput, resolveIdentifiers } from './identifiers.js';

const NOW = 1_700_000_123_456;
const AGE = 390 * 86400;
const RANDOM = {
  fbpDigits: () => '1116446470',
  gaDigits: () => '987654321',
  visitorId: () => 'AAAAAAAAAAAAAAAAAAAAAA',
};
const GRANTED = { ads: true, analytics: true };

function resolve(overrides: Partial<IdentifierInput>) {
  return resolveIdentifiers({
    urls: ['https://shop.example.com/'],
    cookies: {},
    consent: GRANTED,
    now: NOW,
    maxAgeSeconds: AGE,
    random: RANDOM,
    ...overrides,
  });
}

const cookieMap = (result: ReturnType<typeof resolve>) =>
  Object.fromEntries(result.cookies.map((c) => [c.name, `${c.value}|${c.maxAgeSeconds}`]));

describe('resolveIdentifiers', () => {
  test('a first visit without parameters: _fbp, _ga and _tb_vid are created', () => {
    const result = resolve({});
    assert.deepEqual(cookieMap(result), {
      _fbp: `fb.1.1700000123456.1116446470|${AGE}`,
      _ga: `GA1.1.987654321.1700000123|${AGE}`,
      _tb_vid: `AAAAAAAAAAAAAAAAAAAAAA|${AGE}`,
    });
    assert.deepEqual(result.userData, {
      fbp: 'fb.1.1700000123456.1116446470',
      gaClientId: '987654321.1700000123',
    });
    assert.equal(result.visitorId, 'AAAAAAAAAAAAAAAAAAAAAA');
    assert.deepEqual(result.clickIds, {});
  });

  test('a landing with every click id and UTM parameters', () => {
    const result = resolve({
      urls: [
        'https://shop.example.com/p?fbclid=IwAR2F4-Xy_z&gclid=Cj0KCQiA-abc_DEF&gbraid=0AAAAAgb1&wbraid=Cj9wb&ttclid=E.C.P.abc123&epik=dj0yJnU9abc&ScCid=sc-123&rdt_cid=rdt-456&msclkid=b1240587f865192a03586c5b000314f5&utm_source=facebook&utm_medium=cpc&utm_campaign=spring%20sale',
      ],
    });
    assert.deepEqual(cookieMap(result), {
      _fbp: `fb.1.1700000123456.1116446470|${AGE}`,
      _fbc: `fb.1.1700000123456.IwAR2F4-Xy_z|${AGE}`,
      _gcl_aw: `GCL.1700000123.Cj0KCQiA-abc_DEF|${AGE}`,
      _tb_gbraid: `GCL.1700000123.0AAAAAgb1|${AGE}`,
      _tb_wbraid: `GCL.1700000123.Cj9wb|${AGE}`,
      _ttclid: `E.C.P.abc123|${AGE}`,
      _epik: `dj0yJnU9abc|${AGE}`,
      _scclid: `sc-123|${AGE}`,
      _rdt_cid: `rdt-456|${AGE}`,
      _uetmsclkid: `_uetb1240587f865192a03586c5b000314f5|${AGE}`,
      _ga: `GA1.1.987654321.1700000123|${AGE}`,
      _tb_vid: `AAAAAAAAAAAAAAAAAAAAAA|${AGE}`,
    });
    assert.deepEqual(result.userData, {
      fbp: 'fb.1.1700000123456.1116446470',
      fbc: 'fb.1.1700000123456.IwAR2F4-Xy_z',
      gclid: 'Cj0KCQiA-abc_DEF',
      gbraid: '0AAAAAgb1',
      wbraid: 'Cj9wb',
      ttclid: 'E.C.P.abc123',
      epik: 'dj0yJnU9abc',
      scClickId: 'sc-123',
      rdtClickId: 'rdt-456',
      msclkid: 'b1240587f865192a03586c5b000314f5',
      gaClientId: '987654321.1700000123',
    });
    assert.deepEqual(result.clickIds, {
      fbclid: 'IwAR2F4-Xy_z',
      gclid: 'Cj0KCQiA-abc_DEF',
      gbraid: '0AAAAAgb1',
      wbraid: 'Cj9wb',
      ttclid: 'E.C.P.abc123',
      epik: 'dj0yJnU9abc',
      ScCid: 'sc-123',
      rdt_cid: 'rdt-456',
      msclkid: 'b1240587f865192a03586c5b000314f5',
    });
    assert.deepEqual(result.utm, { source: 'facebook', medium: 'cpc', campaign: 'spring sale' });
  });

  test('fbclid is kept byte for byte (no percent-decoding), case-sensitive parameter names', () => {
    const result = resolve({ urls: ['https://shop.example.com/?FBCLID=nope&fbclid=Ab%2DCd+Ef'] });
    assert.equal(result.userData.fbc, 'fb.1.1700000123456.Ab%2DCd+Ef');
    assert.equal(result.clickIds.fbclid, 'Ab%2DCd+Ef');
  });

  test('the same fbclid again keeps the cookie and its time, 10-digit times included; a new one replaces it', () => {
    const same = resolve({
      urls: ['https://shop.example.com/?fbclid=AbCdEf'],
      cookies: { _fbc: 'fb.1.1600000000.AbCdEf' },
    });
    assert.equal(same.userData.fbc, 'fb.1.1600000000.AbCdEf');
    assert.equal(cookieMap(same)._fbc, `fb.1.1600000000.AbCdEf|${AGE}`);
    const kept = resolve({ cookies: { _fbc: 'fb.1.1600000000123.AbCdEf' } });
    assert.equal(kept.userData.fbc, 'fb.1.1600000000123.AbCdEf');
    assert.deepEqual(kept.clickIds, {});
    const replaced = resolve({
      urls: ['https://shop.example.com/?fbclid=NewClick'],
      cookies: { _fbc: 'fb.1.1600000000.AbCdEf' },
    });
    assert.equal(replaced.userData.fbc, 'fb.1.1700000123456.NewClick');
  });

  test('valid cookies are kept and renewed; malformed ones are replaced', () => {
    const result = resolve({
      cookies: {
        _fbp: 'fb.1.1596403881668.1116446470',
        _ga: 'GA1.2.1234567890.1600000000',
        _tb_vid: 'vvvvvvvvvvvvvvvvvvvvvv',
        _gcl_aw: 'GCL.1600000000.OldGclid',
        _uetmsclkid: '_uetfeedface',
        _ttp: '2F7h37YkS1j57AYSKTI7IHhJPYH',
        _scid: '0a1b2c3d-uuid',
        _rdt_uuid: '1711003033189.e1eb3177-0000',
      },
    });
    assert.deepEqual(result.userData, {
      fbp: 'fb.1.1596403881668.1116446470',
      gclid: 'OldGclid',
      msclkid: 'feedface',
      ttp: '2F7h37YkS1j57AYSKTI7IHhJPYH',
      scCookie1: '0a1b2c3d-uuid',
      rdtUuid: '1711003033189.e1eb3177-0000',
      gaClientId: '1234567890.1600000000',
    });
    assert.deepEqual(cookieMap(result), {
      _fbp: `fb.1.1596403881668.1116446470|${AGE}`,
      _gcl_aw: `GCL.1600000000.OldGclid|${AGE}`,
      _uetmsclkid: `_uetfeedface|${AGE}`,
      _ga: `GA1.2.1234567890.1600000000|${AGE}`,
      _tb_vid: `vvvvvvvvvvvvvvvvvvvvvv|${AGE}`,
    });
    const bad = resolve({ cookies: { _fbp: 'fb.1.garbage', _tb_vid: 'short', _ga: 'x' } });
    assert.equal(bad.userData.fbp, 'fb.1.1700000123456.1116446470');
    assert.equal(bad.visitorId, 'AAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(bad.userData.gaClientId, '987654321.1700000123');
  });

  test('ads denied: no ad identifier read, set or forwarded; the ad cookies present are expired', () => {
    const result = resolve({
      urls: ['https://shop.example.com/?fbclid=AbCdEf&gclid=Gclid123'],
      cookies: { _fbp: 'fb.1.1596403881668.1116446470', _gcl_aw: 'GCL.1.x', _ttp: 'ttp', _ga: 'GA1.1.1.2' },
      consent: { ads: false, analytics: true },
    });
    assert.deepEqual(result.userData, { gaClientId: '1.2' });
    assert.deepEqual(result.clickIds, {});
    assert.deepEqual(cookieMap(result), {
      _fbp: '|0',
      _gcl_aw: '|0',
      _ga: `GA1.1.1.2|${AGE}`,
      _tb_vid: `AAAAAAAAAAAAAAAAAAAAAA|${AGE}`,
    });
    assert.equal(result.visitorId, 'AAAAAAAAAAAAAAAAAAAAAA');
  });

  test('both denied: no visitor id, no cookie kept, the ones present expired', () => {
    const result = resolve({
      urls: ['https://shop.example.com/?fbclid=AbCdEf'],
      cookies: { _fbc: 'fb.1.1600000000.AbCdEf', _ga: 'GA1.1.1.2', _tb_vid: 'vvvvvvvvvvvvvvvvvvvvvv' },
      consent: { ads: false, analytics: false },
    });
    assert.deepEqual(result.userData, {});
    assert.equal(result.visitorId, null);
    assert.deepEqual(cookieMap(result), { _fbc: '|0', _ga: '|0', _tb_vid: '|0' });
  });

  test('a later URL of the batch supplies click ids the page URL lacks', () => {
    const result = resolve({
      urls: ['https://shop.example.com/cart', 'not a url', 'https://shop.example.com/?gclid=FromLanding'],
    });
    assert.equal(result.userData.gclid, 'FromLanding');
  });
});

describe('cookie domain and attributes', () => {
  test('the registrable domain of the host, host-only for IPs and single labels', () => {
    assert.equal(cookieDomain('t.shop.localhost'), 'shop.localhost');
    assert.equal(cookieDomain('t.shop.localhost:8080'), 'shop.localhost');
    assert.equal(cookieDomain('ssp.acme.com'), 'acme.com');
    assert.equal(cookieDomain('ssp.acme.co.uk'), 'acme.co.uk');
    assert.equal(cookieDomain('t.acme.myshopify.com'), 'acme.myshopify.com');
    assert.equal(cookieDomain('localhost'), undefined);
    assert.equal(cookieDomain('127.0.0.1:3000'), undefined);
    assert.equal(cookieDomain('[::1]:3000'), undefined);
  });

  test('attributes: Path=/, Max-Age, SameSite=Lax, Secure, not HttpOnly', () => {
    assert.deepEqual(cookieAttributes('acme.com', 10), {
      domain: 'acme.com',
      path: '/',
      maxAge: 10,
      sameSite: 'lax',
      secure: true,
      httpOnly: false,
    });
    assert.equal('domain' in cookieAttributes(undefined, 10), false);
  });

  test('the Cookie header wins; the body fills in what it lacks', () => {
    assert.deepEqual(mergeCookies({ _fbp: 'header' }, { _fbp: 'body', _ga: 'body-ga', _x: '' }), {
      _fbp: 'header',
      _ga: 'body-ga',
    });
  });
});
