import assert from 'node:assert/strict';
import { test } from 'node:test';
import { denyInvite, denyRemoval, denyRoleChange } from './member-rules.js';

test('invites: admins up to admin, only owners make owners', () => {
  assert.equal(denyInvite('owner', 'owner'), null);
  assert.equal(denyInvite('admin', 'admin'), null);
  assert.equal(denyInvite('admin', 'viewer'), null);
  assert.match(denyInvite('admin', 'owner') ?? '', /owners/);
  assert.notEqual(denyInvite('member', 'viewer'), null);
});

test('role changes: never your own; owners only by owners', () => {
  const owner = { userId: 'usr_o', role: 'owner' as const };
  const admin = { userId: 'usr_a', role: 'admin' as const };
  const member = { userId: 'usr_m', role: 'member' as const };
  const otherOwner = { userId: 'usr_o2', role: 'owner' as const };
  assert.match(denyRoleChange(owner, owner, 'admin') ?? '', /own role/);
  assert.match(denyRoleChange(admin, admin, 'viewer') ?? '', /own role/);
  assert.equal(denyRoleChange(admin, member, 'admin'), null);
  assert.notEqual(denyRoleChange(admin, member, 'owner'), null);
  assert.notEqual(denyRoleChange(admin, otherOwner, 'member'), null);
  assert.equal(denyRoleChange(owner, otherOwner, 'member'), null);
  assert.equal(denyRoleChange(owner, member, 'owner'), null);
  assert.notEqual(denyRoleChange(member, { userId: 'usr_v', role: 'viewer' }, 'member'), null);
});

test('removal: admins remove non-owners, owners anyone', () => {
  const owner = { userId: 'usr_o', role: 'owner' as const };
  const admin = { userId: 'usr_a', role: 'admin' as const };
  assert.equal(denyRemoval(admin, { userId: 'usr_m', role: 'member' }), null);
  assert.notEqual(denyRemoval(admin, { userId: 'usr_o', role: 'owner' }), null);
  assert.equal(denyRemoval(owner, { userId: 'usr_o2', role: 'owner' }), null);
  assert.notEqual(denyRemoval({ userId: 'usr_v', role: 'viewer' }, admin), null);
});
