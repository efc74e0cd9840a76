import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusError } from '../lib/status-error.js';
import { storeHost, wooStoreUrl } from './store-url.js';

test('https store URLs are normalised; http only when allowed', () => {
  assert.equal(wooStoreUrl(' https://Shop.Example.com/wp/?x=1#y ', false), 'https://shop.example.com/wp');
  assert.equal(wooStoreUrl('https://shop.example.com/', false), 'https://shop.example.com');
  assert.throws(() => wooStoreUrl('http://shop.example.com', false), StatusError);
  assert.equal(wooStoreUrl('http://127.0.0.1:8080', true), 'http://127.0.0.1:8080');
  assert.throws(() => wooStoreUrl('ftp://shop.example.com', true), StatusError);
  assert.throws(() => wooStoreUrl('https://u:p@shop.example.com', false), StatusError);
  assert.throws(() => wooStoreUrl('not a url', false), StatusError);
});

test('store hosts compare without www', () => {
  assert.equal(storeHost('https://www.Shop.example.com/x'), 'shop.example.com');
  assert.equal(storeHost('demo.myshopify.com'), 'demo.myshopify.com');
});
