// The prompter's cards, as the inbox's suggestions panel shows them
// (inbox/static/inbox/suggestions_logic.js). Run: node --test tests/inboxjs/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const load = require('../jsmodules/load.js');

let sl;
test.before(async () => {
  sl = await load('inbox/static/inbox/suggestions_logic.js');
});

const frame = (message, suggestions) => ({ type: 'suggestions', session: 7, message, suggestions });

test('cards come best first, at most three, numbered for Alt+1..3', () => {
  const cards = sl.cardsFrom(frame(1, [
    { id: 1, article: 10, text: 'a', score: 0.4 },
    { id: 2, article: 11, text: 'b', score: 0.9 },
    { id: 3, article: 12, text: 'c', score: 0.6 },
    { id: 4, article: 13, text: 'd', score: 0.5 },
  ]));
  assert.deepEqual(cards.map((c) => [c.id, c.key]), [[2, 1], [3, 2], [4, 3]]);
  assert.deepEqual(sl.cardsFrom(frame(1, [])), []);
  assert.deepEqual(sl.cardsFrom({}), []);
});

test('a late frame of an older message never replaces the newer one', () => {
  const store = new Map();
  assert.equal(sl.keepFrame(store, frame(5, [{ id: 1, text: 'new', score: 1 }])), true);
  assert.equal(sl.keepFrame(store, frame(4, [{ id: 2, text: 'old', score: 1 }])), false);
  assert.equal(store.get(7).cards[0].text, 'new');
  // an empty frame for a newer message clears the cards
  assert.equal(sl.keepFrame(store, frame(6, [])), true);
  assert.deepEqual(store.get(7).cards, []);
});

test('a rejected card goes and the others move up a key', () => {
  const entry = { message: 1, cards: sl.cardsFrom(frame(1, [{ id: 1, text: 'a', score: 0.9 }, { id: 2, text: 'b', score: 0.8 }])) };
  const after = sl.withoutCard(entry, 1);
  assert.equal(sl.cardForKey(after, 1).id, 2);
  assert.equal(sl.cardForKey(after, 2), null);
  assert.equal(sl.cardForKey(null, 1), null);
});

test('the score reads as a percentage', () => {
  assert.equal(sl.scoreLabel(0.873), '87%');
  assert.equal(sl.scoreLabel(2), '100%');
  assert.equal(sl.scoreLabel('x'), '');
});
