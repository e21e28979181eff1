'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { makeClient, widget } = require('./helpers');
const { pickInvitation } = widget;

const inv = (id, extra) => Object.assign({ id, message: 'Need help? #' + id, delay_s: 5, url_pattern: '', first_visit_only: false }, extra);
const ctx = (extra) => Object.assign({ href: 'https://shop.example/cart?x=1', visits: 1, chatted: false, shown: [] }, extra);

test('the first invitation whose pattern matches the page wins', () => {
  const list = [inv(1, { url_pattern: '/pricing' }), inv(2, { url_pattern: '/cart' }), inv(3)];
  assert.equal(pickInvitation(list, ctx()).id, 2);
  assert.equal(pickInvitation(list, ctx({ href: 'https://shop.example/pricing' })).id, 1);
  assert.equal(pickInvitation(list, ctx({ href: 'https://shop.example/about' })).id, 3);
});

test('an empty pattern matches every page; a broken one matches none', () => {
  assert.equal(pickInvitation([inv(1, { url_pattern: '([' }), inv(2)], ctx()).id, 2);
  assert.equal(pickInvitation([inv(1, { url_pattern: '([' })], ctx()), null);
  assert.equal(pickInvitation([inv(1, { url_pattern: '^https://shop\\.example/cart' })], ctx()).id, 1);
});

test('first-visit-only invitations skip returning visitors', () => {
  const list = [inv(1, { first_visit_only: true }), inv(2, { url_pattern: 'nomatch' })];
  assert.equal(pickInvitation(list, ctx({ visits: 1 })).id, 1);
  assert.equal(pickInvitation(list, ctx({ visits: 2 })), null);
  assert.equal(pickInvitation([inv(1, { first_visit_only: true }), inv(3)], ctx({ visits: 4 })).id, 3);
});

test('no invitation for someone who already chatted or was already invited this session', () => {
  assert.equal(pickInvitation([inv(1)], ctx({ chatted: true })), null);
  assert.equal(pickInvitation([inv(1), inv(2)], ctx({ shown: [1] })), null);
  assert.equal(pickInvitation('junk', ctx()), null);
  assert.equal(pickInvitation([null, { id: 5 }, inv(6)], ctx()).id, 6);
});

test('visits are counted once per browser session and shown invitations are recorded', () => {
  const { client, storage, opts } = makeClient();
  assert.equal(client.countVisit(), 1);
  assert.equal(client.countVisit(), 1, 'same tab session');
  client.markInvitationShown(7);
  assert.deepEqual(client.shownInvitations(), [7]);

  // Same browser later: new session storage, same local storage.
  const later = new widget.ChatClient(Object.assign({}, opts, { storage, session: widget.memoryStorage() }));
  assert.equal(later.countVisit(), 2);
  assert.deepEqual(later.shownInvitations(), []);
  assert.equal(pickInvitation([inv(1, { first_visit_only: true })], ctx({ visits: later.state.visits })), null);
});
