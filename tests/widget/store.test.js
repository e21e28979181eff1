'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { MessageStore, PendingQueue } = require('./helpers').widget;

const msg = (id, extra) => Object.assign({ id, sender_type: 'operator', text: 'm' + id }, extra);

test('messages are kept ordered by id whatever order they arrive in', () => {
  const s = new MessageStore();
  for (const id of [5, 2, 9, 7, 1]) assert.equal(s.add(msg(id)), 'new');
  assert.deepEqual(s.all().map((m) => m.id), [1, 2, 5, 7, 9]);
  assert.equal(s.lastId, 9);
});

test('a repeated message is stored once; identical repeats report nothing', () => {
  const s = new MessageStore();
  s.add(msg(3));
  assert.equal(s.add(msg(3)), null);
  assert.equal(s.add({ id: '3', sender_type: 'operator', text: 'm3' }), null, 'string ids are the same message');
  assert.equal(s.size, 1);
});

test('a repeat with new fields updates in place and keeps local marks', () => {
  const s = new MessageStore([msg(4, { text: '', attachments: [] })]);
  s.get(4)._answered = 12;
  assert.equal(s.add(msg(4, { text: 'full', attachments: [{ id: 1 }] })), 'update');
  assert.equal(s.size, 1);
  assert.equal(s.get(4).text, 'full');
  assert.equal(s.get(4)._answered, 12);
});

test('things that are not messages are refused', () => {
  const s = new MessageStore();
  for (const bad of [null, 'x', {}, { id: 0 }, { id: -1 }, { id: 'abc' }]) assert.equal(s.add(bad), null);
  assert.equal(s.size, 0);
  assert.equal(s.lastId, 0);
});

test('history serialisation keeps the newest messages only', () => {
  const s = new MessageStore();
  for (let i = 1; i <= 10; i++) s.add(msg(i));
  assert.deepEqual(s.toJSON(3).map((m) => m.id), [8, 9, 10]);
  const again = new MessageStore(JSON.parse(JSON.stringify(s.toJSON(3))));
  assert.equal(again.lastId, 10);
});

test('pending queue keeps order, finds by client_id and survives serialisation', () => {
  const q = new PendingQueue();
  q.add('one', 'a', 1);
  q.add('two', 'b', 2);
  assert.ok(q.has('a'));
  const copy = new PendingQueue(JSON.parse(JSON.stringify(q)));
  assert.deepEqual(copy.list().map((p) => p.client_id), ['a', 'b']);
  assert.equal(copy.remove('a').text, 'one');
  assert.equal(copy.remove('a'), null);
  assert.deepEqual(copy.list().map((p) => p.text), ['two']);
});

test('pending queue drops malformed stored items', () => {
  const q = new PendingQueue([null, { text: 'no id' }, { client_id: 'c', text: 'ok' }, 'junk']);
  assert.deepEqual(q.list().map((p) => p.client_id), ['c']);
  assert.deepEqual(new PendingQueue('garbage').list(), []);
});
