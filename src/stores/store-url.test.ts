import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sync2SysError } from '../http/sync2sys-errors.js';
import { storeHost, wooStoreUrl } from './store-url.js';

test('https store URLs are normalised; http only when allowed', () => {
  assert.equal(wooStoreUrl(' https://Shop.Example.com/wp/?x=1#y ', false), 'https://shop.example.com/wp');
  assert.equal(wooStoreUrl('https://shop.example.com/', false), 'https://shop.example.com');
  assert.throws(() => wooStoreUrl('http://shop.example.com', false), Sync2SysError);
  assert.equal(wooStoreUrl('http://127.0.0.1:8080', true), 'http://127.0.0.1:8080');
  assert.throws(() => wooStoreUrl('ftp://shop.example.com', true), Sync2SysError);
  assert.throws(() => wooStoreUrl('https://u:p@shop.example.com', false), Sync2SysError);
  assert.throws(() => wooStoreUrl('not a url', false), Sync2SysError);
});

test('store hosts compare without www', () => {
  assert.equal(storeHost('https://www.Shop.example.com/x'), 'shop.example.com');
  assert.equal(storeHost('demo.myshopify.com'), 'demo.myshopify.com');
});
