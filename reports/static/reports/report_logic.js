/* The reports pages' pure logic: periods and their comparison, figures for people,
 * export links, and the wallboard's reducer of socket frames. No DOM: tests/reportsjs/
 * exercise it under Node. The pages are dashboard.js, wallboard.js and mine.js. */
import { fmt, baseLang } from '../contactcenter/common/i18n.js';
import { query } from '../contactcenter/common/api.js';
import { formatWait, makeRefresher, backoffDelay } from '../routing/board_logic.js';

export { fmt, baseLang, query, formatWait, makeRefresher, backoffDelay };

const DAY_MS = 86400000;
export const MAX_DAYS = 366;

/* ------------------------------------------------------------------ periods */

/** "2026-12-02" of a Date, in the browser's time zone. */
export function isoDay(date) {
  const p = function (n) { return (n < 10 ? '0' : '') + n; };
  return date.getFullYear() + '-' + p(date.getMonth() + 1) + '-' + p(date.getDate());
}

/** Local midnight of "YYYY-MM-DD", null for anything else. */
export function parseDay(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text || ''));
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getMonth() === Number(m[2]) - 1 ? d : null;
}

/** {from, to} days (inclusive, "YYYY-MM-DD") of a preset: today, 7d, 30d, month. */
export function presetDays(preset, now) {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const back = { today: 0, '7d': 6, '30d': 29 }[preset];
  const from = preset === 'month'
    ? new Date(today.getFullYear(), today.getMonth(), 1)
    : new Date(today.getFullYear(), today.getMonth(), today.getDate() - (back === undefined ? 6 : back));
  return { from: isoDay(from), to: isoDay(today) };
}

/** The range of whole days [since, until) as Dates, or {error} saying what is wrong. */
export function dayRange(fromDay, toDay) {
  const since = parseDay(fromDay);
  const last = parseDay(toDay);
  if (!since || !last) return { error: 'badDate' };
  if (last < since) return { error: 'lastBeforeFirst' };
  const until = new Date(last.getFullYear(), last.getMonth(), last.getDate() + 1);
  if ((until - since) / DAY_MS > MAX_DAYS) return { error: 'tooLong' };
  return { since: since, until: until };
}

/** The period of the same length that ends where this one starts. */
export function previousPeriod(since, until) {
  const length = until.getTime() - since.getTime();
  return { since: new Date(since.getTime() - length), until: new Date(since.getTime()) };
}

/** "day" for ranges over two days, else "hour" (the chart's natural step). */
export function naturalStep(since, until) {
  return (until - since) > 2 * DAY_MS ? 'day' : 'hour';
}

/* ------------------------------------------------------------------ figures */

// The summary's figures as cards: key, kind (how to show it), which way is better.
export const FIGURES = [
  { key: 'sessions', kind: 'count', better: null },
  { key: 'answered', kind: 'count', better: 'up' },
  { key: 'abandoned', kind: 'count', better: 'down' },
  { key: 'abandon_rate_pct', kind: 'pct', better: 'down' },
  { key: 'avg_first_response_s', kind: 'duration', better: 'down' },
  { key: 'median_first_response_s', kind: 'duration', better: 'down' },
  { key: 'p90_first_response_s', kind: 'duration', better: 'down' },
  { key: 'avg_queue_wait_s', kind: 'duration', better: 'down' },
  { key: 'avg_handle_s', kind: 'duration', better: null },
  { key: 'service_level_pct', kind: 'pct', better: 'up' },
  { key: 'sla_pct', kind: 'pct', better: 'up' },
  { key: 'csat_avg', kind: 'rating', better: 'up' },
  { key: 'csat_pct', kind: 'pct', better: 'up' },
  { key: 'csat_count', kind: 'count', better: null },
  { key: 'bot_sessions', kind: 'count', better: null },
  { key: 'bot_resolved', kind: 'count', better: 'up' },
  { key: 'bot_handoffs', kind: 'count', better: null },
  { key: 'transfers', kind: 'count', better: 'down' },
];

const UNITS = {
  en: { s: 's', min: 'min', h: 'h' },
  ru: { s: 'с', min: 'мин', h: 'ч' },
};

/** A duration for people: "42 s", "3 min 05 s", "1 h 20 min"; "—" for nothing. */
export function formatDuration(seconds, lang) {
  if (seconds === null || seconds === undefined || isNaN(Number(seconds))) return '—';
  const u = UNITS[baseLang(lang)] || UNITS.en;
  const total = Math.round(Number(seconds));
  if (total < 60) return total + ' ' + u.s;
  const p = function (n) { return (n < 10 ? '0' : '') + n; };
  if (total < 3600) return Math.floor(total / 60) + ' ' + u.min + ' ' + p(total % 60) + ' ' + u.s;
  return Math.floor(total / 3600) + ' ' + u.h + ' ' + p(Math.floor(total % 3600 / 60)) + ' ' + u.min;
}

function number(value, lang, digits) {
  return new Intl.NumberFormat(baseLang(lang), { maximumFractionDigits: digits }).format(value);
}

/** A figure of ``kind`` for people; "—" when there was nothing to measure. */
export function formatFigure(value, kind, lang) {
  if (value === null || value === undefined || isNaN(Number(value))) return '—';
  if (kind === 'duration') return formatDuration(value, lang);
  if (kind === 'pct') return number(value, lang, 1) + ' %';
  if (kind === 'rating') return number(value, lang, 2) + ' / 5';
  return number(value, lang, 0);
}

/** The change from the previous period: {text, trend: up|down|same, tone: good|bad|neutral}
 * or null when either side is missing. Percentages change in points; the rest in
 * per cent of the previous value (a previous 0 gives no per cent). */
export function change(current, previous, figure, lang) {
  if (current === null || current === undefined || previous === null || previous === undefined) return null;
  const diff = Number(current) - Number(previous);
  const trend = diff > 0 ? 'up' : diff < 0 ? 'down' : 'same';
  const tone = trend === 'same' || !figure.better ? 'neutral' : trend === figure.better ? 'good' : 'bad';
  const sign = diff > 0 ? '+' : diff < 0 ? '−' : '±';
  let text;
  if (figure.kind === 'pct') text = sign + number(Math.abs(diff), lang, 1) + ' pp';
  else if (Number(previous) === 0) text = diff === 0 ? '±0' : sign + formatFigure(Math.abs(diff), figure.kind, lang);
  else text = sign + number(Math.abs(diff) / Math.abs(Number(previous)) * 100, lang, 0) + ' %';
  return { text: text, trend: trend, tone: tone };
}

/* ------------------------------------------------------------------ requests */

/** The API's query of the page's filters: since/until (ISO), group, operator, channel,
 * business_hours; empty filters are left out. */
export function filterParams(f) {
  return {
    since: f.since.toISOString(),
    until: f.until.toISOString(),
    group: f.group || null,
    operator: f.operator || null,
    channel: f.channel || null,
    business_hours: f.businessHours ? 'true' : null,
  };
}

/** The download link of a summary or a breakdown with the same filters. */
export function exportUrl(apiBase, what, f, format, by) {
  const params = Object.assign(filterParams(f), by ? { by: by } : {}, { format: format });
  return apiBase + 'reports/' + what + '/' + query(params);
}

/** The chart's series from a breakdown by day or hour: labels and one array per figure. */
export function chartSeries(breakdown) {
  const rows = (breakdown && breakdown.rows) || [];
  const pick = function (key) { return rows.map(function (r) { return r[key] === undefined ? null : r[key]; }); };
  return {
    labels: rows.map(function (r) { return r.label || String(r.key); }),
    sessions: pick('sessions'),
    serviceLevel: pick('service_level_pct'),
    firstResponse: pick('avg_first_response_s'),
    firstResponseP90: pick('p90_first_response_s'),
  };
}

/* ------------------------------------------------------------------ the wallboard */

/** The wallboard's state from ``reports/live/`` at local time ``now`` (ms): groups by
 * id, each with ``oldestAt`` (ms) so that the longest wait ticks without the server. */
export function liveState(data, now) {
  const groups = new Map();
  for (const g of (data && data.groups) || []) {
    const wait = g.longest_wait_s;
    groups.set(g.group, Object.assign({}, g, {
      oldestAt: g.queue_size > 0 && wait !== null && wait !== undefined ? now - wait * 1000 : null,
      alerts: 0,
    }));
  }
  return { groups: groups, alerts: [] };
}

const MAX_ALERTS = 6;
const REFETCH_FRAMES = new Set(['hello', 'session.updated', 'session.assigned', 'operator.updated', 'alert']);

/** The next state after a socket frame, and whether the page should reread
 * ``reports/live/``: {state, refetch}. queue.updated sets the queue size (and the
 * oldest wait, when it carries ``oldest_queued_at``) at once; a
 * live.updated frame replaces a group's figures; sla.* frames are alerts; a session's
 * change asks for a reread (the figures of today move). The state is never mutated. */
export function applyLiveFrame(state, frame, now) {
  const type = frame && frame.type;
  if (type === 'queue.updated' && state.groups.has(frame.group)) {
    const g = Object.assign({}, state.groups.get(frame.group), { queue_size: frame.size });
    const oldest = frame.oldest_queued_at ? Date.parse(frame.oldest_queued_at) : NaN;
    if (frame.size === 0) g.oldestAt = null;
    else if (!isNaN(oldest)) g.oldestAt = Math.min(oldest, now);
    else if (g.oldestAt === null) g.oldestAt = now;
    return { state: withGroup(state, g), refetch: true };
  }
  if (type === 'live.updated' && frame.group && state.groups.has(frame.group.group)) {
    const fresh = liveState({ groups: [frame.group] }, now).groups.get(frame.group.group);
    fresh.alerts = state.groups.get(frame.group.group).alerts;
    return { state: withGroup(state, fresh), refetch: false };
  }
  if ((type === 'sla.warning' || type === 'sla.breached') && state.groups.has(frame.group)) {
    const g = Object.assign({}, state.groups.get(frame.group));
    g.alerts += 1;
    const alert = { key: type + ':' + frame.session, level: type.slice(4), frame: frame, at: now };
    const others = state.alerts.filter(function (a) { return a.frame.session !== frame.session; });
    const next = withGroup(state, g);
    next.alerts = [alert].concat(others).slice(0, MAX_ALERTS);
    return { state: next, refetch: false };
  }
  const answered = type === 'message.created' && frame.message && frame.message.sender_type === 'operator' && !frame.message.internal;
  const settled = type === 'session.updated' && frame.session && (frame.session.first_response_at || frame.session.status === 'closed');
  const done = answered ? frame.message.session : settled ? frame.session.id : null;
  if (done !== null && state.alerts.some(function (a) { return a.frame.session === done; })) {
    // answered or closed: its alert has done its work
    const alerts = state.alerts.filter(function (a) { return a.frame.session !== done; });
    return { state: { groups: state.groups, alerts: alerts }, refetch: true };
  }
  // today's figures move when a chat is taken, answered or closed, and the operators
  // online when one comes or goes: read reports/live/ again (the page throttles it)
  return { state: state, refetch: REFETCH_FRAMES.has(type) || !!answered };
}

function withGroup(state, group) {
  const groups = new Map(state.groups);
  groups.set(group.group, group);
  return { groups: groups, alerts: state.alerts };
}

/** Seconds the oldest waiting chat of a group has waited at ``now``; null with none. */
export function longestWait(group, now) {
  if (!group || !group.queue_size || group.oldestAt === null || group.oldestAt === undefined) return null;
  return Math.max(0, (now - group.oldestAt) / 1000);
}

/** "ok", "warning" or "breached" of a wait against a target (80 % and 100 %). */
export function slaLevel(waitedS, targetS) {
  if (waitedS === null || !targetS) return 'ok';
  if (waitedS >= targetS) return 'breached';
  return waitedS >= 0.8 * targetS ? 'warning' : 'ok';
}

/** A service level's colour: good from 80 %, fair from 60 %, else poor. */
export function levelTone(pct) {
  if (pct === null || pct === undefined) return 'none';
  return pct >= 80 ? 'good' : pct >= 60 ? 'fair' : 'poor';
}

/** Local midnight of the Monday of ``date``'s week. */
export function weekStart(date) {
  const back = (date.getDay() + 6) % 7;
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() - back);
}

const URL_KEYS = ['period', 'since', 'until', 'group', 'operator', 'channel', 'step', 'business_hours'];

/** The page's controls from its address (``?period=today&group=3``), so that a link or
 * a reload shows the same report; unknown keys are left out. */
export function controlsFromQuery(search) {
  const params = new URLSearchParams(search || '');
  const found = {};
  for (const key of URL_KEYS) if (params.has(key)) found[key] = params.get(key);
  return found;
}

/** The address's query for the page's controls: empty ones and the defaults left out. */
export function queryOfControls(c) {
  const defaults = { period: '7d', step: 'auto', business_hours: 'false' };
  const params = new URLSearchParams();
  for (const key of URL_KEYS) {
    const value = c[key] === undefined || c[key] === null ? '' : String(c[key]);
    if (value === '' || defaults[key] === value) continue;
    if ((key === 'since' || key === 'until') && c.period !== 'custom') continue;
    params.set(key, value);
  }
  const text = params.toString();
  return text ? '?' + text : '';
}

/** A breakdown by day with every day of [from, to] (inclusive, "YYYY-MM-DD"): the days
 * without chats come back as zero chats and no other figure, so that the chart's time
 * axis has no holes. Other breakdowns are returned as they are. */
export function fillDays(breakdown, fromDay, toDay) {
  if (!breakdown || breakdown.by !== 'day') return breakdown;
  const first = parseDay(fromDay);
  const last = parseDay(toDay);
  if (!first || !last) return breakdown;
  const byKey = new Map((breakdown.rows || []).map(function (r) { return [String(r.key), r]; }));
  const rows = [];
  for (let d = first; d <= last; d = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1)) {
    const key = isoDay(d);
    rows.push(byKey.get(key) || { key: key, label: key, sessions: 0 });
    if (rows.length > MAX_DAYS) break;
  }
  return Object.assign({}, breakdown, { rows: rows });
}
