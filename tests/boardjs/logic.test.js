// Pure logic of the routing board (routing/static/routing/board_logic.js, an ES module). Run: node --test tests/boardjs/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const load = require('../jsmodules/load.js');

let bd;
test.before(async () => { bd = await load('routing/static/routing/board_logic.js'); });

function board() {
  return {
    server_time: '2025-01-01T10:00:00+00:00',
    groups: [
      {
        id: 1, name: 'Alpha', routing_strategy: 'least_busy', default_max_sessions: 3,
        queue_size: 2, oldest_queued_at: '2025-01-01T09:55:00+00:00', active_sessions: 3,
        operators: [
          { id: 10, name: 'Anna', status: 'online', connected: true, active_sessions: 2, limit: 3, max_sessions: null, last_assigned_at: null },
          { id: 11, name: 'Boris', status: 'away', connected: false, active_sessions: 1, limit: 5, max_sessions: 5, last_assigned_at: null },
        ],
      },
      {
        id: 2, name: 'Beta', routing_strategy: 'manual', default_max_sessions: 4,
        queue_size: 0, oldest_queued_at: null, active_sessions: 1,
        operators: [
          { id: 11, name: 'Boris', status: 'away', connected: false, active_sessions: 1, limit: 5, max_sessions: 5, last_assigned_at: null },
        ],
      },
    ],
  };
}

test('load is green under 70 %, amber under the limit, red at or over it', () => {
  assert.equal(bd.loadLevel(0, 3), 'ok');
  assert.equal(bd.loadLevel(2, 3), 'ok'); // 66 %
  assert.equal(bd.loadLevel(7, 10), 'warn'); // exactly 70 %
  assert.equal(bd.loadLevel(4, 5), 'warn');
  assert.equal(bd.loadLevel(5, 5), 'full');
  assert.equal(bd.loadLevel(6, 5), 'full'); // over a lowered limit
  assert.equal(bd.loadLevel(0, 0), 'full'); // a limit of 0 takes no chats
  assert.equal(bd.loadLevel(null, undefined), 'full');
});

test('the load bar is a percentage capped at 100', () => {
  assert.equal(bd.loadPercent(1, 3), 33);
  assert.equal(bd.loadPercent(3, 3), 100);
  assert.equal(bd.loadPercent(8, 4), 100);
  assert.equal(bd.loadPercent(0, 0), 0);
  assert.equal(bd.loadPercent(2, 0), 100);
});

test('a live wait is shown to the second, in English and Russian', () => {
  assert.equal(bd.formatWait(0, 'en'), '0 s');
  assert.equal(bd.formatWait(45.9, 'en'), '45 s');
  assert.equal(bd.formatWait(185, 'en'), '3 min 05 s');
  assert.equal(bd.formatWait(3600 + 7 * 60 + 12, 'en'), '1 h 07 min');
  assert.equal(bd.formatWait(2 * 86400 + 3 * 3600, 'en'), '2 d 3 h');
  assert.equal(bd.formatWait(86400, 'en'), '1 d');
  assert.equal(bd.formatWait(45, 'ru'), '45 с');
  assert.equal(bd.formatWait(185, 'ru-RU'), '3 мин 05 с');
  assert.equal(bd.formatWait(3600 + 7 * 60, 'ru'), '1 ч 07 мин');
  assert.equal(bd.formatWait(-5, 'de'), '0 s'); // unknown language: English; never negative
});

test('a time since is coarse, in English and Russian', () => {
  assert.equal(bd.formatSince(30, 'en'), '<1 min');
  assert.equal(bd.formatSince(300, 'en'), '5 min');
  assert.equal(bd.formatSince(2 * 3600 + 5 * 60, 'en'), '2 h 5 min');
  assert.equal(bd.formatSince(2 * 3600, 'en'), '2 h');
  assert.equal(bd.formatSince(3 * 86400 + 60, 'en'), '3 d');
  assert.equal(bd.formatSince(30, 'ru'), '<1 мин');
  assert.equal(bd.formatSince(2 * 3600 + 5 * 60, 'ru'), '2 ч 5 мин');
  assert.equal(bd.fmt(bd.DEFAULTS.ago, { t: bd.formatSince(300, 'en') }), '5 min ago');
});

test('waits turn amber after a minute and red after five', () => {
  assert.equal(bd.waitLevel(59), 'ok');
  assert.equal(bd.waitLevel(60), 'warn');
  assert.equal(bd.waitLevel(299), 'warn');
  assert.equal(bd.waitLevel(300), 'late');
});

test('times are measured on the server clock', () => {
  const local = Date.parse('2025-01-01T09:59:58Z');
  const offset = bd.clockOffset('2025-01-01T10:00:00+00:00', local);
  assert.equal(offset, 2000);
  assert.equal(bd.secondsSince('2025-01-01T09:55:00+00:00', local + offset), 300);
  assert.equal(bd.secondsSince(null, local), null);
  assert.equal(bd.secondsSince('2025-01-01T10:05:00Z', local), 0); // a future time is no wait
  assert.equal(bd.clockOffset('garbage', local), 0);
});

test('available operators are online and connected', () => {
  const alpha = board().groups[0];
  assert.deepEqual(bd.groupCounts(alpha), { members: 2, available: 1 });
  alpha.operators[0].connected = false;
  assert.deepEqual(bd.groupCounts(alpha), { members: 2, available: 0 });
});

test('queue, session and alert frames ask for a refetch; chatter does not', () => {
  for (const type of ['queue.updated', 'session.updated', 'session.assigned', 'alert']) {
    assert.equal(bd.frameNeedsRefresh({ type }), true, type);
  }
  for (const type of ['message.created', 'typing', 'pong', 'hello', 'status']) {
    assert.equal(bd.frameNeedsRefresh({ type }), false, type);
  }
  assert.equal(bd.frameNeedsRefresh(null), false);
});

test('a queue frame updates its group at once and leaves the rest alone', () => {
  const before = board();
  const after = bd.applyFrame(before, { type: 'queue.updated', group: 1, size: 3, oldest_queued_at: '2025-01-01T09:50:00+00:00' });
  assert.notEqual(after, before);
  assert.equal(after.groups[0].queue_size, 3);
  assert.equal(after.groups[0].oldest_queued_at, '2025-01-01T09:50:00+00:00');
  assert.equal(after.groups[1], before.groups[1]);
  assert.equal(before.groups[0].queue_size, 2); // the old board is not changed

  // the contract's frame may lack the oldest time: the size alone is applied
  const sized = bd.applyFrame(before, { type: 'queue.updated', group: 1, size: 1 });
  assert.equal(sized.groups[0].queue_size, 1);
  assert.equal(sized.groups[0].oldest_queued_at, before.groups[0].oldest_queued_at);

  // an emptied queue has no oldest wait
  const emptied = bd.applyFrame(before, { type: 'queue.updated', group: 1, size: 0 });
  assert.equal(emptied.groups[0].oldest_queued_at, null);
});

test('frames that change nothing keep the same board', () => {
  const b = board();
  assert.equal(bd.applyFrame(b, { type: 'queue.updated', group: 1, size: 2, oldest_queued_at: '2025-01-01T09:55:00+00:00' }), b);
  assert.equal(bd.applyFrame(b, { type: 'queue.updated', group: 99, size: 5 }), b); // not on this board
  assert.equal(bd.applyFrame(b, { type: 'session.updated', session: { id: 1 } }), b);
  assert.equal(bd.applyFrame(null, { type: 'queue.updated', group: 1, size: 5 }), null);
});

test("an operator's saved change shows in every group they are in", () => {
  const before = board();
  const after = bd.applyOperator(before, { id: 11, status: 'online', max_sessions: 2, active_sessions: 1 });
  assert.equal(after.groups[0].operators[1].status, 'online');
  assert.equal(after.groups[0].operators[1].limit, 2);
  assert.equal(after.groups[1].operators[0].max_sessions, 2);
  assert.equal(after.groups[0].operators[0], before.groups[0].operators[0]); // Anna untouched
  assert.equal(before.groups[0].operators[1].status, 'away');

  // back to the group default: the effective limit waits for the refetch
  const cleared = bd.applyOperator(before, { id: 11, max_sessions: null });
  assert.equal(cleared.groups[0].operators[1].max_sessions, null);
  assert.equal(cleared.groups[0].operators[1].limit, 5);

  assert.equal(bd.applyOperator(before, { id: 404, status: 'offline' }), before);
});

test('a typed limit is 0 to 100, or empty for the group default', () => {
  assert.deepEqual(bd.parseLimit(''), { ok: true, value: null });
  assert.deepEqual(bd.parseLimit('  '), { ok: true, value: null });
  assert.deepEqual(bd.parseLimit('0'), { ok: true, value: 0 });
  assert.deepEqual(bd.parseLimit(' 7 '), { ok: true, value: 7 });
  assert.deepEqual(bd.parseLimit('100'), { ok: true, value: 100 });
  for (const bad of ['101', '-1', '2.5', '1e2', 'abc', '0x10', '1000']) {
    assert.equal(bd.parseLimit(bad).ok, false, bad);
  }
});

test('alerts name the operator when the frame does', () => {
  const session = { id: 5, group: 1, contact_name: 'Ivan' };
  assert.equal(bd.alertText({ type: 'alert', kind: 'no_answer', operator: 'Anna', session }),
    "A chat waited too long for Anna's answer and went back to the queue.");
  assert.equal(bd.alertText({ type: 'alert', kind: 'no_answer', operator: null, session }),
    'A chat waited too long for an answer and went back to the queue.');
  assert.equal(bd.alertText({ type: 'alert', kind: 'operator_offline', operator: 'Boris', session }),
    'Boris went offline, and their chat went back to the queue.');
  assert.equal(bd.alertText({ type: 'alert', kind: 'operator_offline', session }),
    'An operator went offline, and their chat went back to the queue.');
  assert.equal(bd.alertText({ type: 'alert', kind: 'something_new', session }), 'A chat went back to the queue.');
  // translated templates come from the page
  const ru = { alert_no_answer: 'Чат слишком долго ждал ответа {name} и вернулся в очередь.' };
  assert.equal(bd.alertText({ kind: 'no_answer', operator: 'Анна' }, ru), 'Чат слишком долго ждал ответа Анна и вернулся в очередь.');
});

test('alerts stack newest first, once each, at most five, and can be dismissed', () => {
  let list = [];
  for (let i = 1; i <= 7; i++) list = bd.addAlert(list, { kind: 'no_answer', operator: 'Anna', session: { id: i } }, i);
  assert.equal(list.length, 5);
  assert.deepEqual(list.map((a) => a.frame.session.id), [7, 6, 5, 4, 3]);
  // the same alert again moves to the top instead of repeating
  list = bd.addAlert(list, { kind: 'no_answer', operator: 'Anna', session: { id: 4 } }, 8);
  assert.deepEqual(list.map((a) => a.frame.session.id), [4, 7, 6, 5, 3]);
  list = bd.dismissAlert(list, list[0].key);
  assert.deepEqual(list.map((a) => a.frame.session.id), [7, 6, 5, 3]);
});

test('refreshes run at most once per gap, and a burst ends with one more run', async () => {
  let now = 0;
  const timers = [];
  const clock = { now: () => now, setTimeout: (fn, ms) => { timers.push({ fn, at: now + ms }); return timers.length; } };
  let runs = 0;
  const r = bd.makeRefresher(() => { runs += 1; }, 1000, clock);

  r.request(); // runs at once
  await Promise.resolve(); await Promise.resolve();
  assert.equal(runs, 1);
  now = 200; r.request(); now = 400; r.request(); now = 900; r.request(); // a burst: one trailing run
  assert.equal(runs, 1);
  assert.equal(timers.length, 1);
  assert.equal(timers[0].at, 1000);
  now = 1000; timers.shift().fn();
  await Promise.resolve(); await Promise.resolve();
  assert.equal(runs, 2);
  now = 2500; r.request(); // after a quiet gap: at once again
  assert.equal(runs, 3);
});

test('a request during a slow run is folded into one run after it', async () => {
  let now = 0;
  let finish;
  let runs = 0;
  const r = bd.makeRefresher(() => { runs += 1; return new Promise((resolve) => { finish = resolve; }); }, 1000,
    { now: () => now, setTimeout: (fn) => { fn(); return 1; } });
  r.request();
  assert.equal(r.isBusy(), true);
  r.request(); r.request();
  assert.equal(runs, 1);
  now = 3000; finish();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(runs, 2);
  finish();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(runs, 2);
  assert.equal(r.isBusy(), false);
});

test('a failing refresh does not stop later ones', async () => {
  let now = 0;
  let runs = 0;
  const r = bd.makeRefresher(() => { runs += 1; throw new Error('boom'); }, 1000, { now: () => now, setTimeout: () => 1 });
  r.request();
  await new Promise((resolve) => setImmediate(resolve));
  now = 5000; r.request();
  assert.equal(runs, 2);
});

test('failed changes say what to do next', () => {
  assert.match(bd.apiErrorText(0, null), /cannot be reached/);
  assert.equal(bd.apiErrorText(400, { max_sessions: ['Ensure this value is less than or equal to 100.'] }),
    'Please correct: max_sessions: Ensure this value is less than or equal to 100.');
  assert.match(bd.apiErrorText(403, { detail: 'no' }), /groups you supervise/);
  assert.match(bd.apiErrorText(404, null), /refreshed/);
  assert.match(bd.apiErrorText(429, null), /Too many/);
  assert.match(bd.apiErrorText(500, null), /server had a problem/);
  assert.equal(bd.apiErrorText(403, null, { err_forbidden: 'Нельзя.' }), 'Нельзя.');
});

test('reconnects back off up to 30 s', () => {
  assert.equal(bd.backoffDelay(0), 500);
  assert.equal(bd.backoffDelay(3), 4000);
  assert.equal(bd.backoffDelay(20), 30000);
});

test('available is the server\'s routing rule when it sends one', () => {
  const alpha = board().groups[0];
  // online and connected, but every seat taken: routing gives them nothing
  alpha.operators.forEach((o) => { o.available = false; });
  assert.deepEqual(bd.groupCounts(alpha), { members: 2, available: 0 });
  // disconnected a moment ago, within the grace period: routing still counts them
  alpha.operators[1].available = true;
  assert.deepEqual(bd.groupCounts(alpha), { members: 2, available: 1 });
});

test('a chat on the board opens in the inbox, and a returned chat says to whom', () => {
  assert.equal(bd.chatUrl(42), '/inbox/?session=42');
  assert.equal(bd.alertText({ kind: 'returned', operator: 'Anna' }), 'Nobody else was available, so the chat went back to Anna.');
  assert.equal(bd.alertText({ kind: 'returned' }), 'Nobody else was available, so the chat went back to the same operator.');
});

test('a chat kept by its operator because nobody else is free says so', () => {
  assert.equal(bd.alertText({ kind: 'kept', operator: 'Anna' }), 'Nobody else is available, so the chat stays with Anna, who has not answered yet.');
});
