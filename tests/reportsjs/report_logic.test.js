// Pure logic of the reports pages (reports/static/reports/report_logic.js). Run: node --test tests/reportsjs/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const load = require('../jsmodules/load.js');

let rl;
test.before(async () => { rl = await load('reports/static/reports/report_logic.js'); });

const fig = (key) => rl.FIGURES.find((f) => f.key === key);

test('the previous period has the same length and ends where the period starts', () => {
  const since = new Date(2026, 10, 24);
  const until = new Date(2026, 11, 1);
  const prev = rl.previousPeriod(since, until);
  assert.equal(prev.until.getTime(), since.getTime());
  assert.equal(prev.until - prev.since, until - since);
  assert.equal(rl.isoDay(prev.since), '2026-11-17');
});

test('presets count today as the last day', () => {
  const now = new Date(2026, 11, 2, 15, 30);
  assert.deepEqual(rl.presetDays('today', now), { from: '2026-12-02', to: '2026-12-02' });
  assert.deepEqual(rl.presetDays('7d', now), { from: '2026-11-26', to: '2026-12-02' });
  assert.deepEqual(rl.presetDays('30d', now), { from: '2026-11-03', to: '2026-12-02' });
  assert.deepEqual(rl.presetDays('month', now), { from: '2026-12-01', to: '2026-12-02' });
});

test('custom days are whole days, and wrong ones say what is wrong', () => {
  const range = rl.dayRange('2026-03-01', '2026-03-31');
  assert.equal(rl.isoDay(range.since), '2026-03-01');
  assert.equal(rl.isoDay(range.until), '2026-04-01');
  assert.deepEqual(rl.dayRange('2026-03-10', '2026-03-01'), { error: 'lastBeforeFirst' });
  assert.deepEqual(rl.dayRange('2026-02-30', '2026-03-01'), { error: 'badDate' });
  assert.deepEqual(rl.dayRange('', '2026-03-01'), { error: 'badDate' });
  assert.deepEqual(rl.dayRange('2024-01-01', '2026-01-01'), { error: 'tooLong' });
});

test('the chart steps by hour up to two days, by day beyond', () => {
  const d = (day) => new Date(2026, 0, day);
  assert.equal(rl.naturalStep(d(1), d(2)), 'hour');
  assert.equal(rl.naturalStep(d(1), d(3)), 'hour');
  assert.equal(rl.naturalStep(d(1), d(8)), 'day');
});

test('durations and figures read like people write them', () => {
  assert.equal(rl.formatDuration(42, 'en'), '42 s');
  assert.equal(rl.formatDuration(185, 'en'), '3 min 05 s');
  assert.equal(rl.formatDuration(4800, 'ru'), '1 ч 20 мин');
  assert.equal(rl.formatDuration(null, 'en'), '—');
  assert.equal(rl.formatFigure(86.64, 'pct', 'en'), '86.6 %');
  assert.equal(rl.formatFigure(4.5, 'rating', 'ru'), '4,5 / 5');
  assert.equal(rl.formatFigure(12000, 'count', 'en'), '12,000');
  assert.equal(rl.formatFigure(undefined, 'count', 'en'), '—');
});

test('a change is in per cent of the previous value, and good or bad by the figure', () => {
  assert.deepEqual(rl.change(120, 100, fig('sessions'), 'en'), { text: '+20 %', trend: 'up', tone: 'neutral' });
  assert.deepEqual(rl.change(30, 40, fig('avg_first_response_s'), 'en'), { text: '−25 %', trend: 'down', tone: 'good' });
  assert.deepEqual(rl.change(12, 10, fig('abandoned'), 'en'), { text: '+20 %', trend: 'up', tone: 'bad' });
  assert.deepEqual(rl.change(5, 5, fig('answered'), 'en'), { text: '±0 %', trend: 'same', tone: 'neutral' });
});

test('percentages change in points, a previous zero gives the difference itself', () => {
  assert.deepEqual(rl.change(82.5, 90, fig('service_level_pct'), 'en'), { text: '−7.5 pp', trend: 'down', tone: 'bad' });
  assert.equal(rl.change(3, 0, fig('answered'), 'en').text, '+3');
  assert.equal(rl.change(null, 10, fig('answered'), 'en'), null);
  assert.equal(rl.change(10, undefined, fig('answered'), 'en'), null);
});

test('the API query and the download links carry every filter, and no empty one', () => {
  const f = { since: new Date(Date.UTC(2026, 0, 1)), until: new Date(Date.UTC(2026, 0, 8)), group: '3', operator: '', channel: '7', businessHours: true };
  assert.deepEqual(rl.filterParams(f), {
    since: '2026-01-01T00:00:00.000Z', until: '2026-01-08T00:00:00.000Z', group: '3', operator: null, channel: '7', business_hours: 'true',
  });
  assert.equal(rl.exportUrl('/api/v1/', 'breakdown', f, 'csv', 'operator'),
    '/api/v1/reports/breakdown/?since=2026-01-01T00%3A00%3A00.000Z&until=2026-01-08T00%3A00%3A00.000Z&group=3&channel=7&business_hours=true&by=operator&format=csv');
  assert.ok(!rl.exportUrl('/api/v1/', 'summary', Object.assign({}, f, { businessHours: false }), 'xlsx').includes('business_hours'));
});

test('the chart series come from a breakdown by day, gaps kept as nulls', () => {
  const s = rl.chartSeries({ by: 'day', rows: [
    { key: '2026-01-01', label: '1 Jan', sessions: 4, service_level_pct: 75, avg_first_response_s: 30 },
    { key: '2026-01-02', label: '2 Jan', sessions: 0, service_level_pct: null },
  ] });
  assert.deepEqual(s.labels, ['1 Jan', '2 Jan']);
  assert.deepEqual(s.sessions, [4, 0]);
  assert.deepEqual(s.serviceLevel, [75, null]);
  assert.deepEqual(s.firstResponse, [30, null]);
  assert.deepEqual(rl.chartSeries(null).labels, []);
});

function live() {
  return rl.liveState({ groups: [
    { group: 1, name: 'Sales', queue_size: 2, longest_wait_s: 30, operators_online: 3, active_sessions: 4, answered: 10, abandoned: 1, service_level_pct: 90 },
    { group: 2, name: 'Support', queue_size: 0, longest_wait_s: null, operators_online: 1, active_sessions: 0, answered: 0, abandoned: 0, service_level_pct: null },
  ] }, 100000);
}

test('the longest wait ticks from the live answer without the server', () => {
  const s = live();
  assert.equal(rl.longestWait(s.groups.get(1), 100000), 30);
  assert.equal(rl.longestWait(s.groups.get(1), 105000), 35);
  assert.equal(rl.longestWait(s.groups.get(2), 105000), null);
});

test('queue.updated sets the size at once; an emptied queue has no wait, a new one starts now', () => {
  const s = live();
  const emptied = rl.applyLiveFrame(s, { type: 'queue.updated', group: 1, size: 0 }, 110000);
  assert.equal(emptied.state.groups.get(1).queue_size, 0);
  assert.equal(rl.longestWait(emptied.state.groups.get(1), 120000), null);
  assert.equal(emptied.refetch, true);
  assert.equal(s.groups.get(1).queue_size, 2, 'the old state is not changed');
  const started = rl.applyLiveFrame(s, { type: 'queue.updated', group: 2, size: 1 }, 110000);
  assert.equal(started.state.groups.get(2).queue_size, 1);
  assert.equal(rl.longestWait(started.state.groups.get(2), 113000), 3);
  const told = rl.applyLiveFrame(s, { type: 'queue.updated', group: 2, size: 1, oldest_queued_at: new Date(100000).toISOString() }, 110000);
  assert.equal(rl.longestWait(told.state.groups.get(2), 110000), 10);
});

test('SLA frames become alerts, newest first, one per session, counted on the group', () => {
  let s = live();
  s = rl.applyLiveFrame(s, { type: 'sla.warning', session: 7, group: 1, waiting_s: 48 }, 1).state;
  s = rl.applyLiveFrame(s, { type: 'sla.warning', session: 8, group: 1, waiting_s: 48 }, 2).state;
  const r = rl.applyLiveFrame(s, { type: 'sla.breached', session: 7, group: 1, waiting_s: 61 }, 3);
  assert.equal(r.refetch, false);
  assert.deepEqual(r.state.alerts.map((a) => [a.frame.session, a.level]), [[7, 'breached'], [8, 'warning']]);
  assert.equal(r.state.groups.get(1).alerts, 3);
  const note = rl.applyLiveFrame(r.state, { type: 'message.created', message: { session: 7, sender_type: 'operator', internal: true } }, 4);
  assert.equal(note.state.alerts.length, 2, 'a private note answers nobody');
  const answered = rl.applyLiveFrame(r.state, { type: 'message.created', message: { session: 7, sender_type: 'operator' } }, 4);
  assert.deepEqual(answered.state.alerts.map((a) => a.frame.session), [8]);
  assert.equal(answered.refetch, true);
  const closed = rl.applyLiveFrame(answered.state, { type: 'session.updated', session: { id: 8, status: 'closed' } }, 5);
  assert.deepEqual(closed.state.alerts, []);
});

test('frames of other groups change nothing; session changes ask for a reread', () => {
  const s = live();
  assert.equal(rl.applyLiveFrame(s, { type: 'queue.updated', group: 99, size: 5 }, 1).state, s);
  assert.equal(rl.applyLiveFrame(s, { type: 'sla.warning', group: 99, session: 1 }, 1).state, s);
  assert.deepEqual(rl.applyLiveFrame(s, { type: 'session.updated', session: {} }, 1), { state: s, refetch: true });
  assert.deepEqual(rl.applyLiveFrame(s, { type: 'typing', session: 1 }, 1), { state: s, refetch: false });
  assert.equal(rl.applyLiveFrame(s, { type: 'operator.updated', operator: {} }, 1).refetch, true);
  assert.equal(rl.applyLiveFrame(s, { type: 'message.created', message: { sender_type: 'operator' } }, 1).refetch, true);
  assert.equal(rl.applyLiveFrame(s, { type: 'message.created', message: { sender_type: 'contact' } }, 1).refetch, false);
});

test('a live.updated frame replaces one group\'s figures and keeps its alerts', () => {
  let s = live();
  s = rl.applyLiveFrame(s, { type: 'sla.warning', session: 7, group: 2, waiting_s: 48 }, 1).state;
  const r = rl.applyLiveFrame(s, { type: 'live.updated', group: { group: 2, name: 'Support', queue_size: 1, longest_wait_s: 5, answered: 3 } }, 10000);
  assert.equal(r.state.groups.get(2).answered, 3);
  assert.equal(r.state.groups.get(2).alerts, 1);
  assert.equal(rl.longestWait(r.state.groups.get(2), 12000), 7);
});

test('SLA levels are 80 % and 100 % of the target; service level tones', () => {
  assert.equal(rl.slaLevel(47, 60), 'ok');
  assert.equal(rl.slaLevel(48, 60), 'warning');
  assert.equal(rl.slaLevel(59.9, 60), 'warning');
  assert.equal(rl.slaLevel(60, 60), 'breached');
  assert.equal(rl.slaLevel(null, 60), 'ok');
  assert.deepEqual([95, 70, 10, null].map(rl.levelTone), ['good', 'fair', 'poor', 'none']);
});

test('the week starts on Monday', () => {
  assert.equal(rl.isoDay(rl.weekStart(new Date(2026, 11, 2, 10))), '2026-11-30');
  assert.equal(rl.isoDay(rl.weekStart(new Date(2026, 10, 30, 1))), '2026-11-30');
  assert.equal(rl.isoDay(rl.weekStart(new Date(2026, 11, 6, 23))), '2026-11-30');
});

test('the address keeps the report: read back from it, defaults and empty filters left out', () => {
  assert.deepEqual(rl.controlsFromQuery('?period=today&group=3&evil=1'), { period: 'today', group: '3' });
  assert.deepEqual(rl.controlsFromQuery(''), {});
  assert.equal(rl.queryOfControls({ period: '7d', group: '', operator: '5', step: 'auto', business_hours: 'false', since: '2026-01-01' }), '?operator=5');
  assert.equal(rl.queryOfControls({ period: 'custom', since: '2026-01-01', until: '2026-01-31', business_hours: 'true' }),
    '?period=custom&since=2026-01-01&until=2026-01-31&business_hours=true');
  assert.equal(rl.queryOfControls({ period: '7d' }), '');
});

test('a breakdown by day gets every day of the period, the quiet ones as zero chats', () => {
  const filled = rl.fillDays({ by: 'day', rows: [{ key: '2026-01-02', label: '2026-01-02', sessions: 4, service_level_pct: 75 }] }, '2026-01-01', '2026-01-03');
  assert.deepEqual(filled.rows.map((r) => [r.key, r.sessions, r.service_level_pct]), [
    ['2026-01-01', 0, undefined], ['2026-01-02', 4, 75], ['2026-01-03', 0, undefined],
  ]);
  const byGroup = { by: 'group', rows: [{ key: 1 }] };
  assert.equal(rl.fillDays(byGroup, '2026-01-01', '2026-01-03'), byGroup);
  assert.equal(rl.fillDays(null, '2026-01-01', '2026-01-03'), null);
});
