// WhatsApp's 24-hour window in the composer (inbox/static/inbox/reply_window_logic.js).
// Run: node --test tests/inboxjs/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const load = require('../jsmodules/load.js');

let rw;
let ib;
test.before(async () => {
  rw = await load('inbox/static/inbox/reply_window_logic.js');
  ib = await load('inbox/static/inbox/logic.js');
});

const NOW = Date.parse('2026-03-05T12:00:00Z');
const hoursAgo = (h) => new Date(NOW - h * 3600 * 1000).toISOString();

test('a WhatsApp chat closes 24 hours after the customer last wrote', () => {
  assert.equal(rw.windowClosed({ channel_type: 'whatsapp', last_contact_message_at: hoursAgo(23.9) }, NOW), false);
  assert.equal(rw.windowClosed({ channel_type: 'whatsapp', last_contact_message_at: hoursAgo(24) }, NOW), true);
  assert.equal(rw.windowClosed({ channel_type: 'whatsapp', last_contact_message_at: hoursAgo(72) }, NOW), true);
});

test('other channels have no window, and an unknown time leaves it to the server', () => {
  assert.equal(rw.windowClosed({ channel_type: 'telegram', last_contact_message_at: hoursAgo(72) }, NOW), false);
  assert.equal(rw.windowClosed({ channel_type: 'widget', last_contact_message_at: hoursAgo(72) }, NOW), false);
  assert.equal(rw.windowClosed({ channel_type: 'whatsapp', last_contact_message_at: null }, NOW), false);
  assert.equal(rw.windowClosed(null, NOW), false);
});

test("the server's refusal closes it until the customer writes again", () => {
  const seen = hoursAgo(1); // the browser's clock may be off: the server knows
  const s = { channel_type: 'whatsapp', last_contact_message_at: seen };
  assert.equal(rw.windowClosed(s, NOW, seen), true);
  const wroteAgain = { channel_type: 'whatsapp', last_contact_message_at: hoursAgo(0.1) };
  assert.equal(rw.windowClosed(wroteAgain, NOW, seen), false);
});

test('the preview fills the placeholders given and shows the missing ones', () => {
  const body = 'Hi {{1}}, your order {{2}} shipped.';
  assert.equal(rw.templatePreview(body, ['Ada', '42']), 'Hi Ada, your order 42 shipped.');
  assert.equal(rw.templatePreview(body, ['Ada']), 'Hi Ada, your order {{2}} shipped.');
  assert.equal(rw.templatePreview(body, ['  ', '42']), 'Hi {{1}}, your order 42 shipped.');
});

test('a template is sent only with every parameter filled', () => {
  const t = { name: 'order_update', language: 'en_US', param_count: 2 };
  assert.equal(rw.templateRequest(t, ['Ada'], 'c1'), null);
  assert.equal(rw.templateRequest(t, ['Ada', ' '], 'c1'), null);
  assert.deepEqual(rw.templateRequest(t, [' Ada ', '42'], 'c1'), {
    template: { name: 'order_update', language: 'en_US', params: ['Ada', '42'] }, client_id: 'c1',
  });
  assert.deepEqual(rw.templateRequest({ name: 'hello', language: 'ru', param_count: 0 }, [], 'c2').template.params, []);
  assert.equal(rw.templateRequest(null, [], 'c3'), null);
});

test('a 409 window_closed says why, whatever the action', () => {
  const said = ib.apiErrorText(409, { detail: 'x', code: 'window_closed' }, { action: 'send' });
  assert.match(said, /24 hours/);
  assert.doesNotMatch(ib.apiErrorText(409, { detail: 'x' }, { action: 'send' }), /24 hours/);
});
