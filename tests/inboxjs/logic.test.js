// Pure logic of the operator inbox (inbox/static/inbox/logic.js). Run: node --test tests/inboxjs/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const load = require('../jsmodules/load.js');

let ib;
test.before(async () => { ib = await load('inbox/static/inbox/logic.js'); });

test('messages merge by id, in id order, without duplicates', () => {
  const list = [{ id: 3, text: 'c' }, { id: 1, text: 'a' }];
  const merged = ib.mergeMessages(list, [{ id: 2, text: 'b' }, { id: 3, text: 'c2' }, { id: 1, text: 'a' }]);
  assert.deepEqual(merged.map((m) => m.id), [1, 2, 3]);
  assert.equal(merged[2].text, 'c2');
});

test("the server's copy replaces the local pending message with the same client_id", () => {
  const pending = { id: null, client_id: 'u1', text: 'hi', _local: true };
  let list = ib.mergeMessages([{ id: 5, text: 'x' }], [pending]);
  assert.deepEqual(list.map(ib.messageKey), ['i5', 'cu1']);
  list = ib.mergeMessages(list, [{ id: 9, client_id: 'u1', text: 'hi' }]);
  assert.deepEqual(list.map(ib.messageKey), ['i5', 'i9']);
  assert.equal(list[1]._local, undefined);
  // a late echo of the pending copy does not bring it back
  list = ib.mergeMessages(list, [pending]);
  assert.deepEqual(list.map(ib.messageKey), ['i5', 'i9']);
  // the same message from the socket and the API is kept once
  list = ib.mergeMessages(list, [{ id: 9, client_id: 'u1', text: 'hi' }]);
  assert.equal(list.length, 2);
});

test('pending messages stay last, in the order they were written', () => {
  const list = ib.mergeMessages([], [
    { id: null, client_id: 'b', text: '1' }, { id: null, client_id: 'a', text: '2' }, { id: 4, text: 'old' },
  ]);
  assert.deepEqual(list.map(ib.messageKey), ['i4', 'cb', 'ca']);
  assert.equal(ib.lastMessageId(list), 4);
});

test('the timeline puts a separator wherever the session changes', () => {
  const sessions = new Map([[1, { id: 1, group_name: 'Sales' }], [2, { id: 2, group_name: 'Support' }]]);
  const items = ib.buildTimeline([
    { id: 1, session: 1 }, { id: 2, session: 1 }, { id: 3, session: 2 }, { id: 4, session: null }, { id: 5, session: 2 },
  ], sessions);
  assert.deepEqual(items.map((i) => (i.kind === 'separator' ? 'S' + i.sessionId : i.message.id)), ['S1', 1, 2, 'S2', 3, 4, 5]);
  assert.equal(items[3].session.group_name, 'Support');
  assert.equal(ib.buildTimeline([{ id: 1, session: 7 }], new Map())[0].session, null);
});

test('the outbox resends unacked messages with the same client_id, never refused ones', () => {
  const box = new ib.Outbox();
  box.add({ client_id: 'a', session: 1, text: 'one' });
  box.add({ client_id: 'b', session: 1, text: 'two' });
  box.add({ client_id: 'c', session: 2, text: 'three' });
  box.markSent('a', 1000);
  box.fail('c');
  assert.deepEqual(box.toResend().map((i) => i.client_id), ['a', 'b']);
  assert.deepEqual(box.overdue(1000 + 14999, 15000), []);
  assert.deepEqual(box.overdue(1000 + 15000, 15000).map((i) => i.client_id), ['a']);
  assert.equal(box.ack('a').text, 'one');
  assert.equal(box.ack('a'), null);
  assert.deepEqual(box.toResend().map((i) => i.client_id), ['b']);
  box.requeue('c');
  assert.deepEqual(box.toResend().map((i) => i.client_id), ['b', 'c']);
  assert.deepEqual(box.forSession(2).map((i) => i.client_id), ['c']);
  assert.equal(box.size, 2);
});

test('SLA colour: green under 80 % of the target, amber under it, red from it', () => {
  assert.equal(ib.slaLevel(47, 60), 'ok');
  assert.equal(ib.slaLevel(48, 60), 'warn');
  assert.equal(ib.slaLevel(59, 60), 'warn');
  assert.equal(ib.slaLevel(60, 60), 'late');
  assert.equal(ib.slaLevel(100, 300), 'ok');
  // the target is the server's alone (the group's): without one, no colour
  assert.equal(ib.slaLevel(45, null), null);
  assert.equal(ib.slaLevel(45, undefined), null);
  assert.equal(ib.slaLevel(45, 0), null);
});

test('the wait shows only while the last message is the contact’s', () => {
  const now = Date.parse('2025-01-01T10:05:00Z');
  const s = {
    status: 'active', sla_target_s: 120, last_contact_message_at: '2025-01-01T10:03:00Z',
    last_message: { id: 1, sender_type: 'contact', created_at: '2025-01-01T10:03:00Z' },
  };
  assert.deepEqual(ib.waitBadge(s, now, 'en'), { text: '2 min', level: 'late' });
  assert.deepEqual(ib.waitBadge(Object.assign({}, s, { sla_target_s: 600 }), now, 'ru'), { text: '2 мин', level: 'ok' });
  assert.equal(ib.waitBadge(Object.assign({}, s, { last_message: { sender_type: 'operator' } }), now, 'en'), null);
  assert.equal(ib.waitBadge(Object.assign({}, s, { last_message: null }), now, 'en'), null);
  assert.equal(ib.waitBadge(Object.assign({}, s, { status: 'closed' }), now, 'en'), null);
  // a session without the group's target (no group) shows no SLA timer
  assert.equal(ib.waitBadge(Object.assign({}, s, { sla_target_s: null }), now, 'en'), null);
  assert.equal(ib.waitBadge(Object.assign({}, s, { sla_target_s: undefined }), now, 'en'), null);
});

test('waits are formatted compactly in English and Russian', () => {
  assert.equal(ib.formatWait(0, 'en'), '<1 min');
  assert.equal(ib.formatWait(59, 'en'), '<1 min');
  assert.equal(ib.formatWait(60, 'en'), '1 min');
  assert.equal(ib.formatWait(125, 'en'), '2 min');
  assert.equal(ib.formatWait(3600, 'en'), '1 h');
  assert.equal(ib.formatWait(3900, 'en'), '1 h 5 min');
  assert.equal(ib.formatWait(86400 * 2 + 3 * 3600, 'en'), '2 d 3 h');
  assert.equal(ib.formatWait(30, 'ru'), '<1 мин');
  assert.equal(ib.formatWait(125, 'ru-RU'), '2 мин');
  assert.equal(ib.formatWait(3900, 'ru'), '1 ч 5 мин');
  assert.equal(ib.formatWait(86400, 'ru'), '1 д');
  assert.equal(ib.formatWait(-5, 'de'), '<1 min');
});

test('unread counts add up into the page title', () => {
  assert.equal(ib.unreadTotal([{ unread_count: 2 }, { unread_count: 0 }, {}, { unread_count: 1 }]), 3);
  assert.equal(ib.titleWithUnread('Inbox', 3), '(3) Inbox');
  assert.equal(ib.titleWithUnread('Входящие', 0), 'Входящие');
});

test('the lists come from the known sessions', () => {
  const me = { id: 7, supervised_groups: [2] };
  const sessions = new Map();
  const add = (s) => ib.upsertSession(sessions, s);
  add({ id: 1, status: 'active', operator: 7, group: 1, assigned_at: '2025-01-01T10:02:00Z' });
  add({ id: 2, status: 'active', operator: 7, group: 2, assigned_at: '2025-01-01T10:01:00Z' });
  add({ id: 3, status: 'active', operator: 8, group: 2, assigned_at: '2025-01-01T10:00:00Z' });
  add({ id: 4, status: 'queued', group: 1, priority: 0, queued_at: '2025-01-01T09:00:00Z' });
  add({ id: 5, status: 'queued', group: 1, priority: 5, queued_at: '2025-01-01T09:30:00Z' });
  for (let i = 0; i < 12; i++) add({ id: 100 + i, status: 'closed', operator: 7, closed_at: new Date(Date.UTC(2025, 0, 1, 8, i)).toISOString() });
  const lists = ib.deriveLists(sessions, me);
  assert.deepEqual(lists.mine.map((s) => s.id), [2, 1]);
  assert.deepEqual(lists.team.map((s) => s.id), [3, 2]);
  assert.deepEqual(lists.queued.get(1).map((s) => s.id), [5, 4]);
  assert.equal(lists.closed.length, 10);
  assert.equal(lists.closed[0].id, 111);
  // an update moves a session between lists and keeps the fields it did not carry
  add({ id: 1, status: 'closed', closed_at: '2025-01-01T11:00:00Z' });
  const after = ib.deriveLists(sessions, me);
  assert.deepEqual(after.mine.map((s) => s.id), [2]);
  assert.equal(after.closed[0].id, 1);
  assert.equal(sessions.get(1).operator, 7);
});

test('next and previous chat wrap around', () => {
  assert.equal(ib.nextChatId([4, 5, 6], 5, 1), 6);
  assert.equal(ib.nextChatId([4, 5, 6], 6, 1), 4);
  assert.equal(ib.nextChatId([4, 5, 6], 4, -1), 6);
  assert.equal(ib.nextChatId([4, 5, 6], 99, 1), 4);
  assert.equal(ib.nextChatId([4, 5, 6], null, -1), 6);
  assert.equal(ib.nextChatId([], 1, 1), null);
});

test('canned responses are asked for by a leading slash and ranked by shortcut', () => {
  assert.equal(ib.cannedQuery('/'), '');
  assert.equal(ib.cannedQuery('/hel'), 'hel');
  assert.equal(ib.cannedQuery('/hel lo'), null);
  assert.equal(ib.cannedQuery('hello /x'), null);
  assert.equal(ib.cannedQuery(''), null);
  const items = [
    { shortcut: 'helpdesk', title: 'Desk' }, { shortcut: 'hello', title: 'Greeting' },
    { shortcut: 'bye', title: 'Say hello at the end' }, { shortcut: 'hel', title: 'Exact' }, { shortcut: 'refund', title: 'Money' },
  ];
  assert.deepEqual(ib.matchCanned(items, 'hel').map((i) => i.shortcut), ['hel', 'hello', 'helpdesk', 'bye']);
  assert.deepEqual(ib.matchCanned(items, 'HEL').map((i) => i.shortcut).slice(0, 1), ['hel']);
  assert.equal(ib.matchCanned(items, '').length, 5);
  assert.deepEqual(ib.matchCanned(items, 'zzz'), []);
  const many = Array.from({ length: 20 }, (_, i) => ({ shortcut: 'a' + i }));
  assert.equal(ib.matchCanned(many, 'a').length, 8);
});

test('reconnects back off from 0.5 s doubling to 30 s, with jitter', () => {
  const none = () => 0;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 20].map((n) => ib.backoffDelay(n, none)),
    [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal(ib.backoffDelay(0, () => 0.999999), 600);
  assert.equal(ib.backoffDelay(10, () => 1), 36000);
  for (let i = 0; i < 50; i++) {
    const d = ib.backoffDelay(3);
    assert.ok(d >= 4000 && d <= 4800, String(d));
  }
});

test('typing signals are throttled per session', () => {
  let now = 0;
  const allow = ib.makeThrottle(2000, () => now);
  assert.equal(allow(1), true);
  now = 1999;
  assert.equal(allow(1), false);
  assert.equal(allow(2), true);
  now = 2000;
  assert.equal(allow(1), true);
});

test('only http(s) and relative attachment URLs are used', () => {
  assert.equal(ib.safeUrl('https://cdn.example/a.png'), 'https://cdn.example/a.png');
  assert.equal(ib.safeUrl('HTTP://x.example/a'), 'HTTP://x.example/a');
  assert.equal(ib.safeUrl('/media/attachments/1/a.pdf'), '/media/attachments/1/a.pdf');
  assert.equal(ib.safeUrl('media/a.pdf'), 'media/a.pdf');
  for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'java\nscript:alert(1)', 'java\tscript:x',
    '\u0001javascript:x', 'data:text/html,<b>', 'vbscript:x', 'file:///etc/passwd', '/\\evil.example', '', null, 42, {}]) {
    assert.equal(ib.safeUrl(bad), null, JSON.stringify(bad));
  }
});

test('images are recognised by content type; sizes read well', () => {
  assert.equal(ib.isImage({ content_type: 'image/png' }), true);
  assert.equal(ib.isImage({ content_type: 'image/jpeg' }), true);
  assert.equal(ib.isImage({ content_type: 'application/pdf' }), false);
  assert.equal(ib.isImage(null), false);
  assert.equal(ib.formatSize(512, 'en'), '512 B');
  assert.equal(ib.formatSize(1536, 'en'), '1.5 KB');
  assert.equal(ib.formatSize(1536, 'ru'), '1,5 КБ');
  assert.equal(ib.formatSize(25 * 1024 * 1024, 'en'), '25 MB');
});

test('API errors say what to do', () => {
  const t = ib.DEFAULTS;
  assert.equal(ib.apiErrorText(409, { detail: 'x' }, { action: 'take', limit: 3, active: 3 }, t),
    'You already have 3 chats, your limit. Close one to take another.');
  assert.equal(ib.apiErrorText(409, null, { action: 'take', limit: 3, active: 1 }, t), t.err_taken);
  assert.equal(ib.apiErrorText(409, null, { action: 'take', limit: null, active: 9 }, t), t.err_taken);
  assert.equal(ib.apiErrorText(409, null, { action: 'send' }, t), t.err_notYours);
  assert.equal(ib.apiErrorText(409, null, { action: 'close' }, t), t.err_conflict);
  assert.equal(ib.apiErrorText(400, { email: ['Enter a valid email address.'] }, {}, t),
    'Please correct: email: Enter a valid email address.');
  assert.equal(ib.apiErrorText(400, { non_field_errors: ['Bad.'] }, {}, t), 'Please correct: Bad.');
  assert.equal(ib.apiErrorText(0, null, {}, t), t.err_network);
  assert.equal(ib.apiErrorText(403, null, {}, t), t.err_forbidden);
  assert.equal(ib.apiErrorText(404, null, {}, t), t.err_notFound);
  assert.equal(ib.apiErrorText(413, null, {}, t), t.err_tooLarge);
  assert.equal(ib.apiErrorText(429, null, {}, t), t.err_throttled);
  assert.equal(ib.apiErrorText(502, null, {}, t), t.err_server);
  // translated strings are used when given
  assert.equal(ib.apiErrorText(409, null, { action: 'take', limit: 2, active: 2 }, { err_limit: 'У вас уже {n} чата' }), 'У вас уже 2 чата');
});

test('strings, ids and pages', () => {
  assert.equal(ib.fmt('{a} and {b} and {c}', { a: 1, b: '<b>' }), '1 and <b> and {c}');
  const id = ib.uuid();
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(ib.uuid(), id);
  assert.deepEqual(ib.results({ count: 1, results: [1] }), [1]);
  assert.deepEqual(ib.results([2]), [2]);
  assert.deepEqual(ib.results(null), []);
});

test('a supervisor\'s team view holds the waiting chats of their groups, then the active ones', () => {
  const me = { id: 7, supervised_groups: [2] };
  const sessions = new Map();
  const add = (s) => ib.upsertSession(sessions, s);
  add({ id: 1, status: 'active', operator: 8, group: 2, assigned_at: '2025-01-01T10:00:00Z' });
  add({ id: 2, status: 'queued', group: 2, queued_at: '2025-01-01T10:05:00Z' });
  add({ id: 3, status: 'queued', group: 2, queued_at: '2025-01-01T10:01:00Z' });
  add({ id: 4, status: 'queued', group: 1, queued_at: '2025-01-01T09:00:00Z' });
  add({ id: 5, status: 'closed', operator: 8, group: 2 });
  assert.deepEqual(ib.deriveLists(sessions, me).team.map((s) => s.id), [3, 2, 1]);
  assert.deepEqual(ib.deriveLists(sessions, { id: 7 }).team, []);
});

test('transfer targets are colleagues online with the inbox open, least busy first', () => {
  const ops = [
    { id: 7, status: 'online', connected: true, active_sessions: 0 }, // me
    { id: 8, status: 'offline', connected: false, active_sessions: 0 },
    { id: 9, status: 'online', connected: true, active_sessions: 2 },
    { id: 10, status: 'away', connected: true, active_sessions: 0 },
    { id: 11, status: 'online', connected: false, active_sessions: 0 },
    { id: 12, status: 'online', connected: true, active_sessions: 1 },
  ];
  assert.deepEqual(ib.transferTargets(ops, 7).map((o) => o.id), [12, 9]);
  assert.deepEqual(ib.transferTargets(null, 7), []);
});

test('the page address opens the team view or a chat', () => {
  assert.deepEqual(ib.pageRequest('?view=team', ''), { view: 'team', session: null });
  assert.deepEqual(ib.pageRequest('?session=42', ''), { view: null, session: 42 });
  assert.deepEqual(ib.pageRequest('?view=team&session=5', ''), { view: 'team', session: 5 });
  assert.deepEqual(ib.pageRequest('', '#session-9'), { view: null, session: 9 });
  assert.deepEqual(ib.pageRequest('?session=abc&view=x', '#nope'), { view: null, session: null });
});

test('a refused transfer says why, in the server\'s words', () => {
  const why = 'Nobody else in Support is available now, so the chat would come straight back to you.';
  assert.equal(ib.apiErrorText(409, { detail: why }, { action: 'transfer' }), why);
  assert.equal(ib.apiErrorText(409, null, { action: 'transfer' }), ib.DEFAULTS.err_conflict);
});

test('a delivery status only moves forward, and a retried failure goes back to pending', () => {
  assert.equal(ib.deliveryAdvances('pending', 'sent'), true);
  assert.equal(ib.deliveryAdvances('sent', 'read'), true);
  assert.equal(ib.deliveryAdvances('read', 'delivered'), false); // a late report
  assert.equal(ib.deliveryAdvances('delivered', 'failed'), false);
  assert.equal(ib.deliveryAdvances('sent', 'failed'), true);
  assert.equal(ib.deliveryAdvances('failed', 'pending'), true); // the operator's retry
  assert.equal(ib.deliveryAdvances('failed', 'read'), false);
  assert.equal(ib.deliveryAdvances('sent', 'bogus'), false);
  assert.equal(ib.deliveryMark('read'), '✓✓');
  assert.equal(ib.deliveryMark(null), '');
});

test('a translation that came before its message is merged over it once the message shows', () => {
  const early = new Map();
  ib.keepEarly(early, { id: 3, translation_status: 'pending' }, 1);
  ib.keepEarly(early, { id: 3, translations: { en: 'hi' }, translation_status: 'translated' }, 2);
  const list = [{ id: 1, text: 'a' }, { id: 2, text: 'b' }];
  assert.equal(ib.applyEarly(list, early, 0), list); // not here yet: kept
  const shown = ib.applyEarly(ib.mergeMessages(list, [{ id: 3, text: 'привет', translation_status: 'pending' }]), early, 0);
  assert.deepEqual(shown[2], { id: 3, text: 'привет', translations: { en: 'hi' }, translation_status: 'translated' });
});

test('an older copy of a message does not undo its translation', () => {
  // given a translated message in the open chat, its translation kept as the 5th update
  const early = new Map();
  const translated = { id: 3, translations: { en: 'hi' }, translation_status: 'translated', language: 'ru' };
  ib.keepEarly(early, translated, 5);
  const shown = [{ id: 3, text: 'привет', dialog: 1, ...translated }];
  const stored = { id: 3, text: 'привет', dialog: 1, translations: null, translation_status: '', language: '' };

  // when its message.new frame arrives late, the translation stays
  const framed = ib.mergeMessages(shown, ib.withKept(stored, early));
  assert.deepEqual(framed[0].translations, { en: 'hi' });
  assert.equal(framed[0].translation_status, 'translated');

  // and when a fetch that started before the translation came returns, it stays too
  const fetched = ib.applyEarly(ib.mergeMessages(shown, [stored]), early, 4);
  assert.equal(fetched[0].translation_status, 'translated');

  // but a fetch that started after it tells what is stored now (a retry's result, say)
  const retried = { ...stored, translations: { en: 'hello' }, translation_status: 'translated' };
  const later = ib.applyEarly(ib.mergeMessages(shown, [retried]), early, 5);
  assert.deepEqual(later[0].translations, { en: 'hello' });

  // and a message with nothing kept is merged as it comes
  assert.deepEqual(ib.withKept({ id: 9 }, early), [{ id: 9 }]);
});
