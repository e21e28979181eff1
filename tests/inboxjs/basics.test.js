// Pure logic of notes, search and labels in the operator inbox. Run: node --test tests/inboxjs/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const load = require('../jsmodules/load.js');

let ib;
test.before(async () => { ib = await load('inbox/static/inbox/logic.js'); });

test('a search is sent for 2 to 100 characters, trimmed', () => {
  assert.equal(ib.searchText('  ada '), 'ada');
  assert.equal(ib.searchText('a'), null);
  assert.equal(ib.searchText('   '), null);
  assert.equal(ib.searchText(null), null);
  assert.equal(ib.searchText('x'.repeat(101)), null);
  assert.equal(ib.searchText('x'.repeat(100)).length, 100);
});

test('the filtered list asks for open chats, mine or unassigned, with a label', () => {
  assert.equal(ib.filterParams({ assignee: '', label: '' }), null);
  assert.equal(ib.filterParams({ assignee: 'someone' }), null);
  assert.deepEqual(ib.filterParams({ assignee: 'me', label: '' }), { assignee: 'me', open: 'true' });
  assert.deepEqual(ib.filterParams({ assignee: '', label: '3' }), { label: 3, open: 'true' });
  assert.deepEqual(ib.filterParams({ assignee: 'none', label: '3' }), { assignee: 'none', label: 3, open: 'true' });
});

test('a session updated live joins or leaves the filtered list', () => {
  const vip = { id: 3, name: 'vip', color: '#d97706' };
  const mine = { id: 1, status: 'active', operator: 7, labels: [vip] };
  const queued = { id: 2, status: 'queued', operator: null, labels: [] };
  assert.equal(ib.matchesFilter(mine, { assignee: 'me' }, 7), true);
  assert.equal(ib.matchesFilter(mine, { assignee: 'me' }, 8), false);
  assert.equal(ib.matchesFilter(queued, { assignee: 'none' }, 7), true);
  assert.equal(ib.matchesFilter(mine, { assignee: 'none' }, 7), false);
  assert.equal(ib.matchesFilter(mine, { label: '3' }, 7), true);
  assert.equal(ib.matchesFilter(queued, { label: '3' }, 7), false);
  assert.equal(ib.matchesFilter(Object.assign({}, mine, { status: 'closed' }), { label: '3' }, 7), false);
  assert.equal(ib.matchesFilter(mine, {}, 7), false); // no filter: no filtered list
});

test('the label menu offers only labels the chat does not have', () => {
  const all = [{ id: 1, name: 'billing' }, { id: 2, name: 'bug' }, { id: 3, name: 'vip' }];
  assert.deepEqual(ib.labelsToAdd(all, [{ id: 2 }]).map((l) => l.name), ['billing', 'vip']);
  assert.deepEqual(ib.labelsToAdd(all, undefined).length, 3);
  assert.deepEqual(ib.labelsToAdd(null, []), []);
});

test('a label colour is used only when it is #rrggbb', () => {
  assert.equal(ib.labelColor('#D97706'), '#D97706');
  assert.equal(ib.labelColor('red; background: url(x)'), '#64748b');
  assert.equal(ib.labelColor(undefined), '#64748b');
});

test('the note strings exist in English', () => {
  for (const key of ['notePlaceholder', 'noteHint', 'addNote', 'searchResults', 'filtered', 'nothingFound', 'addLabel', 'removeLabel']) {
    assert.ok(ib.DEFAULTS[key], key);
  }
});
