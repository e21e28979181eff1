// The inbox's SLA alerts, pure part (inbox/static/inbox/sla_alerts_logic.js). Run: node --test tests/inboxjs/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const load = require('../jsmodules/load.js');

let sl;
test.before(async () => { sl = await load('inbox/static/inbox/sla_alerts_logic.js'); });

function store(initial) {
  const data = Object.assign({}, initial);
  return { getItem: (k) => (k in data ? data[k] : null), setItem: (k, v) => { data[k] = String(v); } };
}

test('the sound is on until the supervisor turns it off, and stays as they left it', () => {
  assert.equal(sl.soundOn(store()), true);
  assert.equal(sl.soundOn(null), true);
  const s = store();
  s.setItem(sl.SLA_SOUND_KEY, 'off');
  assert.equal(sl.soundOn(s), false);
  s.setItem(sl.SLA_SOUND_KEY, 'on');
  assert.equal(sl.soundOn(s), true);
  const broken = { getItem: () => { throw new Error('denied'); } };
  assert.equal(sl.soundOn(broken), true);
});

test('the toast says who waits, how long and against which target, in the operator\'s language', () => {
  const t = { slaWarning: '{name} {t} {target} {group}', slaBreached: 'late {name} {t}' };
  assert.equal(sl.slaAlertText({ type: 'sla.warning', waiting_s: 48, target_s: 60, group_name: 'Sales' }, 'Ann', t, 'en'), 'Ann 48 s 1 min Sales');
  assert.equal(sl.slaAlertText({ type: 'sla.breached', waiting_s: 125 }, 'Ann', t, 'ru'), 'late Ann 2 мин 05 с');
});
