// What a bot collected, as the inbox's bot panel shows it (inbox/static/inbox/bot_panel_logic.js).
// Run: node --test tests/inboxjs/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const load = require('../jsmodules/load.js');

let bp;
let strings;
test.before(async () => {
  bp = await load('inbox/static/inbox/bot_panel_logic.js');
  strings = (await load('inbox/static/inbox/strings.js')).DEFAULTS;
});

test('the standard fields come first with their labels, then attributes by key', () => {
  const rows = bp.botRows({ 'attributes.order': 12345, email: 'ann@example.com', name: 'Ann', 'attributes.city': 'Riga' }, strings);
  assert.deepEqual(rows, [
    ['E-mail', 'ann@example.com'],
    ['Name', 'Ann'],
    ['city', 'Riga'],
    ['order', '12345'],
  ]);
  assert.deepEqual(bp.botRows({}, strings), []);
});

test('the heading names the bot and how it finished', () => {
  assert.equal(bp.botHeading({ bot: { name: 'Helper' }, outcome: 'handoff' }, strings), 'Bot Helper · handed the chat to people');
  assert.equal(bp.botHeading({ bot: { name: 'Helper' }, outcome: 'end' }, strings), 'Bot Helper · resolved the chat');
  assert.equal(bp.botHeading({ bot: null, outcome: 'waiting' }, strings), 'Bot (deleted) · is still talking');
});

test('the pressed buttons read as one line', () => {
  assert.equal(bp.botChoices({ choices: ['Sales', 'Lamps'] }, strings), 'Chose: Sales → Lamps');
  assert.equal(bp.botChoices({ choices: [] }, strings), '');
  assert.equal(bp.botChoices({}, strings), '');
});
