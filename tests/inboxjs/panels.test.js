// Panel slots of the conversation view (inbox/static/inbox/panels.js): a later feature's
// panel plugs in without editing the core. Run: node --test tests/inboxjs/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const load = require('../jsmodules/load.js');

let pn;
test.before(async () => { pn = await load('inbox/static/inbox/panels.js'); });

test('the conversation offers slots for suggestions, translation and the bot transcript', () => {
  assert.deepEqual([...pn.SLOTS].sort(), ['bot-transcript', 'suggestions', 'translation']);
});

test('a dummy panel plugs in, hears session changes and messages, and can leave', () => {
  const reg = pn.createPanelRegistry();
  const seen = [];
  const leave = reg.register({
    slot: 'suggestions',
    session(ctx) { seen.push(['session', ctx.name]); },
    message(ctx, m) { seen.push(['message', ctx.name, m.id]); },
  });
  assert.deepEqual(reg.slotsInUse(), ['suggestions']);
  reg.emit('session', (p) => ({ name: p.slot }));
  reg.emit('message', (p) => ({ name: p.slot }), { id: 7 });
  assert.deepEqual(seen, [['session', 'suggestions'], ['message', 'suggestions', 7]]);
  leave();
  reg.emit('session', () => ({}));
  assert.equal(seen.length, 2);
  assert.equal(reg.size, 0);
  assert.deepEqual(reg.slotsInUse(), []);
});

test('a panel without a known slot or with a hook that is not a function is refused', () => {
  const reg = pn.createPanelRegistry();
  assert.throws(() => reg.register({ slot: 'sidebar' }), /suggestions/);
  assert.throws(() => reg.register(null), /slot/);
  assert.throws(() => reg.register({ slot: 'translation', message: 'no' }), /function/);
  assert.equal(reg.size, 0);
});

test('a panel that throws is reported and the other panels still run', () => {
  const errors = [];
  const reg = pn.createPanelRegistry((e) => errors.push(e.message));
  const ran = [];
  reg.register({ slot: 'translation', session() { throw new Error('boom'); } });
  reg.register({ slot: 'bot-transcript', session() { ran.push('bot'); } });
  reg.emit('session', () => ({}));
  assert.deepEqual(errors, ['boom']);
  assert.deepEqual(ran, ['bot']);
});
