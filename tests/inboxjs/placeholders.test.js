// Canned-response placeholders in the composer and the visitor's context in the card
// (pure logic of inbox/static/inbox/logic.js). Run: node --test tests/inboxjs/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const load = require('../jsmodules/load.js');

let ib;
test.before(async () => { ib = await load('inbox/static/inbox/logic.js'); });

test('the unfilled placeholders still in the text block sending until edited away', () => {
  const names = ['contact', 'order'];
  assert.deepEqual(ib.unfilledIn('Hello {contact}, order {order}', names), ['contact', 'order']);
  assert.deepEqual(ib.unfilledIn('Hello Maria, order {order}', names), ['order']);
  assert.deepEqual(ib.unfilledIn('Hello Maria, order 42', names), []);
  assert.deepEqual(ib.unfilledIn('Hello {operator}', names), [], 'only the ones the server could not fill');
  assert.deepEqual(ib.unfilledIn('anything', null), []);
});

test('the first unfilled placeholder is selected so that typing replaces it', () => {
  assert.deepEqual(ib.firstUnfilledRange('Hi {contact}! Order {order}', ['order', 'contact']), [3, 12]);
  assert.equal(ib.firstUnfilledRange('Hi there', ['contact']), null);
});

test("the visitor's local time comes from their time zone, else from their UTC offset", () => {
  const noonUtc = Date.UTC(2026, 0, 15, 12, 0);
  assert.equal(ib.visitorLocalTime(noonUtc, 'Asia/Tokyo', 540, 'ru'), '21:00 (Asia/Tokyo)');
  assert.equal(ib.visitorLocalTime(noonUtc, '', 150, 'ru'), '14:30 (UTC+02:30)');
  assert.equal(ib.visitorLocalTime(noonUtc, 'Not/AZone', -300, 'ru'), '07:00 (UTC-05:00)');
  assert.equal(ib.visitorLocalTime(noonUtc, '', null, 'en'), '');
});

test('page addresses are shown short: no scheme, cut with an ellipsis', () => {
  assert.equal(ib.shortUrl('https://shop.example/pricing/'), 'shop.example/pricing');
  const long = ib.shortUrl('https://shop.example/' + 'a'.repeat(100), 30);
  assert.equal(long.length, 30);
  assert.ok(long.endsWith('…'));
});

test('a customer nothing identifies is "Customer #N" in the operator\'s language', () => {
  const ru = Object.assign({}, ib.DEFAULTS, { customerN: 'Клиент №{n}' });
  assert.equal(ib.contactName({ contact: 42, contact_name: 'Customer #42', contact_anonymous: true }, ru), 'Клиент №42');
  assert.equal(ib.contactName({ contact: 42, contact_name: 'Maria', contact_anonymous: false }, ru), 'Maria');
  assert.equal(ib.contactName({ contact: 7, contact_name: 'Customer #7', contact_anonymous: true }), 'Customer #7');
  assert.equal(ib.contactName(null), 'Customer');
});
