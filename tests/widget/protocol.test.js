'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { makeClient, FakeWebSocket, flush, widget } = require('./helpers');

test.beforeEach(() => { FakeWebSocket.instances = []; });

const opMsg = (id, extra) => ({ type: 'message', message: Object.assign({ id, dialog: 7, session: 3, sender_type: 'operator', sender_name: 'Anna', text: 'hello ' + id, attachments: [], client_id: null, created_at: '2024-05-01T10:00:00Z' }, extra) });

/** A returning visitor: token and history already in storage. */
function returning(history) {
  const env = makeClient();
  env.storage.setItem('cc_widget_KEY1', JSON.stringify({ token: 'T0' }));
  if (history) env.storage.setItem('cc_widget_KEY1_h', JSON.stringify(history));
  env.client = new widget.ChatClient(env.opts);
  return env;
}

test('connect -> welcome -> sync with the last id -> message stored -> ack clears pending -> 4401 makes a new visitor', async () => {
  const { client, fetch, storage } = returning({ dialog: 7, after: 41, messages: [{ id: 41, sender_type: 'operator', text: 'old' }] });
  const seen = [];
  client.on('message', (m, info) => seen.push([m.id, info.isNew]));
  client.start();
  const ws = FakeWebSocket.last();
  assert.equal(ws.url, 'wss://cc.example.com/ws/widget/KEY1/?token=T0');
  ws.open();
  assert.deepEqual(ws.sent, [], 'nothing is sent before welcome');

  ws.push({ type: 'welcome', dialog: 7, session: { id: 3, status: 'active' }, operator: { name: 'Anna' } });
  assert.deepEqual(ws.sent[0], { type: 'sync', after: 41 });
  assert.equal(client.status, 'online');
  assert.equal(client.session, 'active');

  ws.push(opMsg(43));
  ws.push(opMsg(42));
  ws.push(opMsg(43));
  assert.deepEqual(client.store.all().map((m) => m.id), [41, 42, 43]);
  assert.deepEqual(seen, [[43, true], [42, true]]);
  assert.equal(JSON.parse(storage.getItem('cc_widget_KEY1_h')).after, 43);

  const { item } = client.sendText('  hi there  ');
  assert.equal(item.text, 'hi there');
  assert.deepEqual(ws.sent.at(-1), { type: 'message', text: 'hi there', client_id: item.client_id });
  assert.equal(JSON.parse(storage.getItem('cc_widget_KEY1_p')).length, 1);
  ws.push({ type: 'ack', client_id: item.client_id, id: 44 });
  assert.equal(client.pending.list().length, 0);
  assert.deepEqual(JSON.parse(storage.getItem('cc_widget_KEY1_p')), []);
  assert.equal(client.store.get(44).text, 'hi there');
  assert.equal(client.store.get(44).sender_type, 'contact');

  ws.serverClose(4401);
  assert.equal(client.state.token, null, 'the bad token is dropped');
  assert.equal(client.store.size, 0, 'the old history belonged to that token');
  await flush();
  const post = fetch.calls.filter((c) => c.url.endsWith('/visitors/'));
  assert.equal(post.length, 1);
  assert.equal(post[0].url, 'https://cc.example.com/widget/api/KEY1/visitors/');
  const ws2 = FakeWebSocket.last();
  assert.notEqual(ws2, ws);
  assert.match(ws2.url, /\?token=tok-\d+$/);
  assert.equal(JSON.parse(storage.getItem('cc_widget_KEY1')).token, client.state.token);
  ws2.open();
  ws2.push({ type: 'welcome', dialog: null, session: null, operator: null });
  assert.deepEqual(ws2.sent[0], { type: 'sync', after: 0 });
});

test('a second 4401 in a row gives up instead of looping', async () => {
  const { client, timers } = returning();
  const events = [];
  client.on('unavailable', () => events.push('unavailable'));
  client.start();
  FakeWebSocket.last().serverClose(4401);
  await flush();
  FakeWebSocket.last().serverClose(4401);
  assert.deepEqual(events, ['unavailable']);
  assert.equal(client.status, 'unavailable');
  timers.runAll();
  assert.equal(FakeWebSocket.instances.length, 2);
});

test('4404 shows the chat as unavailable and never reconnects', () => {
  const { client, timers } = returning();
  client.start();
  FakeWebSocket.last().serverClose(4404);
  assert.equal(client.status, 'unavailable');
  assert.equal(timers.pending.size, 0);
  client.wake();
  assert.equal(FakeWebSocket.instances.length, 1);
  assert.deepEqual(client.sendText('hello').item.text, 'hello');
  assert.equal(FakeWebSocket.instances.length, 1);
});

test('unacked messages are resent with the same client_id after a reconnect, after the sync', () => {
  const { client, timers } = returning({ dialog: 7, after: 10, messages: [] });
  client.start();
  let ws = FakeWebSocket.last();
  ws.open();
  ws.push({ type: 'welcome', dialog: 7, session: null, operator: null });
  const a = client.sendText('first').item;
  const b = client.sendText('second').item;
  ws.serverClose(1006);
  assert.equal(client.status, 'disconnected');
  assert.equal(timers.pending.size, 1, 'a reconnect is scheduled');
  timers.runAll();
  assert.equal(FakeWebSocket.instances.length, 2);
  ws = FakeWebSocket.last();
  const c = client.sendText('written while connecting').item;
  assert.equal(FakeWebSocket.instances.length, 2, 'no second socket while one is connecting');
  ws.open();
  ws.push({ type: 'welcome', dialog: 7, session: null, operator: null });
  assert.deepEqual(ws.sent, [
    { type: 'sync', after: 10 },
    { type: 'message', text: 'first', client_id: a.client_id },
    { type: 'message', text: 'second', client_id: b.client_id },
    { type: 'message', text: 'written while connecting', client_id: c.client_id },
  ]);
  // The server had stored "first" before the drop: the sync brings it back with its client_id.
  ws.push({ type: 'message', message: { id: 11, dialog: 7, sender_type: 'contact', text: 'first', client_id: a.client_id } });
  ws.push({ type: 'ack', client_id: a.client_id, id: 11 });
  ws.push({ type: 'ack', client_id: b.client_id, id: 12 });
  ws.push({ type: 'ack', client_id: c.client_id, id: 13 });
  assert.deepEqual(client.pending.list(), []);
  assert.deepEqual(client.store.all().map((m) => m.id), [11, 12, 13]);
});

test('sending while waiting to reconnect tries at once instead of waiting for the timer', () => {
  const { client, timers } = returning();
  client.start();
  FakeWebSocket.last().serverClose(1006);
  assert.equal(timers.pending.size, 1);
  const p = client.sendText('now please').item;
  assert.equal(FakeWebSocket.instances.length, 2);
  const ws = FakeWebSocket.last();
  ws.open();
  ws.push({ type: 'welcome', dialog: 1, session: null, operator: null });
  assert.deepEqual(ws.sent.at(-1), { type: 'message', text: 'now please', client_id: p.client_id });
});

test('pending messages survive a page reload and go out with the same client_id', () => {
  const first = returning();
  first.client.start();
  const p = first.client.sendText('typed just before the reload').item;
  // Reload: a new client over the same storage.
  const client = new widget.ChatClient(first.opts);
  assert.deepEqual(client.pending.list().map((x) => x.client_id), [p.client_id]);
  client.start();
  const ws = FakeWebSocket.last();
  ws.open();
  ws.push({ type: 'welcome', dialog: null, session: null, operator: null });
  assert.deepEqual(ws.sent.at(-1), { type: 'message', text: 'typed just before the reload', client_id: p.client_id });
});

test('a message typed while the visitor could not be created is sent after a reload', async () => {
  const first = makeClient({ route: () => [503, {}] });
  first.client.sendText('hello?');
  await flush();
  assert.equal(FakeWebSocket.instances.length, 0);
  const { client, fetch } = makeClient({ storage: first.storage });
  client.start();
  await flush();
  assert.equal(fetch.calls.filter((c) => c.url.endsWith('/visitors/')).length, 1);
  const ws = FakeWebSocket.last();
  ws.open();
  ws.push({ type: 'welcome', dialog: null, session: null, operator: null });
  assert.equal(ws.frames('message')[0].text, 'hello?');
});

test('reloaded history is shown at once and the sync asks only for what is newer', () => {
  const { client } = returning({ dialog: 7, after: 5, messages: [{ id: 4, sender_type: 'contact', text: 'a' }, { id: 5, sender_type: 'operator', text: 'b' }] });
  assert.deepEqual(client.store.all().map((m) => m.text), ['a', 'b']);
  client.start();
  const ws = FakeWebSocket.last();
  ws.open();
  ws.push({ type: 'welcome', dialog: 7, session: null, operator: null });
  assert.deepEqual(ws.sent[0], { type: 'sync', after: 5 });
});

test('a welcome for another dialog discards the stale history', () => {
  const { client } = returning({ dialog: 7, after: 5, messages: [{ id: 5, sender_type: 'operator', text: 'b' }] });
  let resets = 0;
  client.on('reset', () => resets++);
  client.start();
  const ws = FakeWebSocket.last();
  ws.open();
  ws.push({ type: 'welcome', dialog: 9, session: null, operator: null });
  assert.equal(resets, 1);
  assert.equal(client.store.size, 0);
  assert.deepEqual(ws.sent[0], { type: 'sync', after: 0 });
});

test('backoff grows while the server is down and resets after a welcome', () => {
  const { client, timers } = returning();
  client.start();
  const delays = [];
  for (let i = 0; i < 5; i++) {
    FakeWebSocket.last().serverClose(1006);
    delays.push(...timers.delays());
    timers.runAll();
  }
  assert.deepEqual(delays, [375, 750, 1500, 3000, 6000]);
  const ws = FakeWebSocket.last();
  ws.open();
  ws.push({ type: 'welcome', dialog: null, session: null, operator: null });
  ws.serverClose(1012);
  assert.deepEqual(timers.delays(), [375]);
});

test('online / visible wakes a sleeping reconnect at once; a live socket just syncs', () => {
  const { client, timers } = returning();
  client.start();
  FakeWebSocket.last().serverClose(1006);
  assert.equal(timers.pending.size, 1);
  client.wake();
  assert.equal(FakeWebSocket.instances.length, 2);
  assert.equal(timers.pending.size, 1, 'only the connect timeout guard remains');
  const ws = FakeWebSocket.last();
  ws.open();
  ws.push({ type: 'welcome', dialog: 1, session: null, operator: null });
  ws.push(opMsg(8, { dialog: 1 }));
  client.wake();
  assert.deepEqual(ws.sent.at(-1), { type: 'sync', after: 8 });
});

test('a socket that never gets its welcome is abandoned and retried', () => {
  const { client, timers } = returning();
  client.start();
  assert.deepEqual(timers.delays(), [15000]);
  timers.runAll();
  assert.equal(client.status, 'disconnected');
  timers.runAll();
  assert.equal(FakeWebSocket.instances.length, 2);
});

test('a new visitor is created on first send, with the page url, then connects', async () => {
  const { client, fetch } = makeClient();
  client.start();
  assert.equal(FakeWebSocket.instances.length, 0, 'no socket and no visitor before interaction');
  client.identify({ name: 'Bob', email: 'bob@example.com' });
  const p = client.sendText('hello').item;
  await flush();
  const post = fetch.calls.find((c) => c.url.endsWith('/visitors/'));
  assert.deepEqual(post.body, { name: 'Bob', email: 'bob@example.com', page_url: 'https://shop.example/cart' });
  assert.equal(post.opts.headers['Content-Type'], 'application/json');
  const ws = FakeWebSocket.last();
  ws.open();
  ws.push({ type: 'welcome', dialog: null, session: null, operator: null });
  assert.deepEqual(ws.sent, [{ type: 'sync', after: 0 }, { type: 'message', text: 'hello', client_id: p.client_id }]);
});

test('visitor creation errors carry the server field errors', async () => {
  const { client } = makeClient({ route: (c) => (c.url.endsWith('/visitors/') ? [400, { email: ['Enter a valid email address.'] }] : [404, {}]) });
  await assert.rejects(client.ensureVisitor({ email: 'x' }), (e) => e.status === 400 && e.errors.email[0] === 'Enter a valid email address.');
  assert.equal(client.state.token, null);
});

test('config: 404 and 403 are reported, fields are normalised', async () => {
  const ok = makeClient();
  const cfg = await ok.client.loadConfig();
  assert.equal(cfg.name, 'Acme');
  assert.equal(ok.fetch.calls[0].url, 'https://cc.example.com/widget/api/KEY1/config/');
  for (const status of [403, 404]) {
    const bad = makeClient({ route: () => [status, { detail: 'no' }] });
    await assert.rejects(bad.client.loadConfig(), (e) => e.status === status);
  }
});

test('too long or empty text is refused locally; code points are counted like the server', () => {
  const { client } = returning();
  assert.deepEqual(client.sendText('   '), { error: 'empty' });
  assert.deepEqual(client.sendText('x'.repeat(10001)), { error: 'too_long' });
  assert.ok(client.sendText('😀'.repeat(10000)).item, '10,000 emoji are 10,000 characters');
});

test('an error frame fails the message it refers to', () => {
  const { client } = returning();
  const failed = [];
  const errors = [];
  client.on('failed', (f) => failed.push(f));
  client.on('error', (e) => errors.push(e));
  client.start();
  const ws = FakeWebSocket.last();
  ws.open();
  ws.push({ type: 'welcome', dialog: 1, session: null, operator: null });
  const p = client.sendText('bad').item;
  ws.push({ type: 'error', code: 'too_long', detail: 'Message is too long.' });
  assert.deepEqual(failed, [{ client_id: p.client_id, code: 'too_long', detail: 'Message is too long.' }]);
  assert.equal(client.pending.list().length, 0, 'not resent forever');
  client.topic(3);
  ws.push({ type: 'error', code: 'bad_topic', detail: 'No such topic.' });
  assert.equal(errors.length, 1);
});

test('typing is sent at most every 2 seconds', () => {
  const { client, tick } = returning();
  client.start();
  const ws = FakeWebSocket.last();
  ws.open();
  ws.push({ type: 'welcome', dialog: 1, session: null, operator: null });
  const sent = [];
  for (let i = 0; i < 10; i++) { sent.push(client.typing()); tick(500); }
  assert.deepEqual(sent, [true, false, false, false, true, false, false, false, true, false]);
  assert.equal(ws.frames('typing').length, 3);
});

test('server events: topics, queue, assigned, typing, closed', () => {
  const { client } = returning();
  const got = [];
  for (const ev of ['topics', 'queue', 'assigned', 'typing', 'closed']) client.on(ev, (x) => got.push([ev, x]));
  client.start();
  const ws = FakeWebSocket.last();
  ws.open();
  ws.push({ type: 'welcome', dialog: 1, session: { id: 1, status: 'bot' }, operator: null });
  ws.push({ type: 'topics', topics: [{ id: 1, title: 'Billing' }] });
  ws.push({ type: 'queue', position: 3, estimated_wait_s: 120 });
  assert.equal(client.session, 'queued');
  ws.push({ type: 'assigned', operator: { name: 'Anna' } });
  assert.equal(client.session, 'active');
  ws.push({ type: 'typing', sender_type: 'operator' });
  ws.push({ type: 'session.closed', reason: 'transferred' });
  assert.equal(client.session, 'active', 'a transfer is not the end of the chat');
  ws.push({ type: 'session.closed', reason: 'resolved' });
  assert.equal(client.session, 'closed');
  ws.push({ type: 'something.new', x: 1 });
  ws.onmessage({ data: 'not json' });
  assert.deepEqual(got.map((g) => g[0]), ['topics', 'queue', 'assigned', 'typing', 'closed', 'closed']);
  assert.deepEqual(got[1][1], { position: 3, wait: 120 });
});

test('topic, button and rating frames; sent after the welcome when the socket is down', () => {
  const { client } = returning();
  client.start();
  const ws = FakeWebSocket.last();
  client.topic(2);
  client.button(17, 4);
  client.rate(9, '  great  ');
  assert.deepEqual(ws.sent, []);
  ws.open();
  ws.push({ type: 'welcome', dialog: 1, session: null, operator: null });
  assert.deepEqual(ws.sent, [
    { type: 'sync', after: 0 },
    { type: 'topic', topic: 2 },
    { type: 'button', node: 17, button: 4 },
    { type: 'rating', score: 5, comment: 'great' },
  ]);
  client.rate(0, '');
  assert.deepEqual(ws.sent.at(-1), { type: 'rating', score: 1 });
});

test('attachments: checked locally, uploaded with the visitor token, acked by id', async () => {
  const { client, fetch } = returning();
  await client.loadConfig();
  assert.deepEqual(await client.upload({ name: 'a.exe', size: 10, type: 'application/x-msdownload' }, 'c1'), { error: 'bad_type' });
  assert.deepEqual(await client.upload({ name: 'big.png', size: 5000, type: 'image/png' }, 'c1'), { error: 'too_big' });
  assert.equal(fetch.calls.filter((c) => c.url.endsWith('/attachments/')).length, 0);
  const seen = [];
  client.on('message', (m) => seen.push(m));
  const r = await client.upload({ name: 'shot.png', size: 50, type: 'image/png' }, 'c2');
  assert.deepEqual(r, { id: 500 });
  const call = fetch.calls.find((c) => c.url.endsWith('/attachments/'));
  assert.equal(call.url, 'https://cc.example.com/widget/api/KEY1/attachments/');
  assert.equal(call.opts.headers.Authorization, 'Visitor T0');
  assert.deepEqual(call.body.parts.map((p) => p[0]), ['file', 'client_id']);
  assert.equal(call.body.parts[1][1], 'c2');
  assert.equal(seen[0].id, 500);
  assert.equal(seen[0].client_id, 'c2');
  // The real message then arrives over the socket: same id, one entry.
  client.onMessage({ id: 500, sender_type: 'contact', text: '', attachments: [{ id: 1, name: 'shot.png', url: '/media/x.png', content_type: 'image/png', size: 50 }], client_id: 'c2' });
  assert.equal(client.store.size, 1);
  assert.equal(client.store.get(500).attachments[0].url, '/media/x.png');
});

test('attachments: 413 and 400 from the server are reported', async () => {
  for (const [status, want] of [[413, 'too_big'], [400, 'bad_type'], [500, 'failed']]) {
    const env = makeClient({ route: (c) => (c.url.endsWith('/visitors/') ? [201, { visitor_token: 'T' }] : [status, { detail: 'nope' }]) });
    const r = await env.client.upload({ name: 'a.png', size: 1, type: 'image/png' }, 'c');
    assert.equal(r.error, want);
  }
});

test('uuid fallback makes RFC 4122 version 4 ids', () => {
  const re = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.match(widget.uuid(), re);
  const saved = globalThis.crypto;
  Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true });
  try {
    const ids = new Set(Array.from({ length: 100 }, () => widget.uuid()));
    assert.equal(ids.size, 100);
    for (const id of ids) assert.match(id, re);
  } finally {
    Object.defineProperty(globalThis, 'crypto', { value: saved, configurable: true });
  }
});

test('a resync hint from the server makes the widget sync from its last message', () => {
  const { client } = returning({ dialog: 7, after: 41, messages: [{ id: 41, sender_type: 'operator', text: 'old' }] });
  client.start();
  const ws = FakeWebSocket.last();
  ws.open();
  ws.push({ type: 'welcome', dialog: 7, session: { id: 3, status: 'active' }, operator: { name: 'Anna' } });
  ws.push(opMsg(44));
  const before = ws.sent.length;
  ws.push({ type: 'resync' });
  assert.deepEqual(ws.sent.slice(before), [{ type: 'sync', after: 44 }]);
  assert.equal(client.status, 'online', 'the socket stays as it is');
});

test('a message the server could not store for a moment stays pending and goes again', () => {
  const { client, timers } = returning();
  const failed = [];
  client.on('failed', (f) => failed.push(f));
  client.start();
  const ws = FakeWebSocket.last();
  ws.open();
  ws.push({ type: 'welcome', dialog: 7, session: null, operator: null });
  const { item } = client.sendText('during the restart');
  ws.push({ type: 'error', code: 'unavailable', detail: 'try again', client_id: item.client_id });
  assert.deepEqual(failed, [], 'not shown as failed');
  assert.ok(client.pending.has(item.client_id));
  const before = ws.sent.length;
  timers.runAll();
  assert.deepEqual(ws.sent.slice(before), [{ type: 'message', text: 'during the restart', client_id: item.client_id }]);
  ws.push({ type: 'error', code: 'too_long', detail: 'no', client_id: item.client_id });
  assert.equal(failed.length, 1, 'any other refusal still fails it');
});
