/* The supervisor routing board's pure logic: load colours, wait formatting, merging
 * live frames into the board, alert texts, the refresh limiter. No DOM: tests/boardjs/
 * exercise it under Node. The page is board.js; the helpers shared with the inbox come
 * from the common module (contactcenter/static/contactcenter/common/). */
import { fmt, baseLang } from '../contactcenter/common/i18n.js';
import { parseTime, secondsSince } from '../contactcenter/common/time.js';
import { flattenErrors } from '../contactcenter/common/api.js';
import { backoffDelay as jitteredBackoff } from '../contactcenter/common/net.js';

export { fmt, secondsSince, flattenErrors };

export const REFRESH_GAP_MS = 1000;
export const PING_EVERY_MS = 20000;
const MAX_ALERTS = 5;
export const LIMIT_MAX = 100;
export const CLOSE_UNAUTHENTICATED = 4401;
export const CLOSE_NOT_OPERATOR = 4403;
const REFRESH_FRAMES = new Set(['queue.updated', 'session.updated', 'session.assigned', 'alert', 'operator.updated']);

/* ------------------------------------------------------------------ strings */

// English defaults. The page passes the same keys translated by Django (the
// "board-strings" block of routing/board.html), so Russian comes from the one .po file.
export const DEFAULTS = {
  title: 'Routing board',
  inQueue: 'In queue',
  longestWait: 'Longest wait',
  activeChats: 'Active chats',
  available: 'Available',
  availableOf: '{n} of {m}',
  strategy_least_busy: 'Least busy',
  strategy_round_robin: 'Round robin',
  strategy_longest_idle: 'Longest idle',
  strategy_manual: 'Manual',
  colOperator: 'Operator',
  colStatus: 'Status',
  colLoad: 'Load',
  colLimit: 'Limit',
  colLastAssigned: 'Last assignment',
  op_online: 'Online',
  op_away: 'Away',
  op_offline: 'Offline',
  connected: 'Connected',
  notConnected: 'Not connected',
  onlineNotConnected: 'Online, but the inbox is not open: receives no chats',
  loadOf: '{n} of {limit} chats',
  never: 'Never',
  ago: '{t} ago',
  statusOf: 'Status of {name}',
  limitOf: 'Chat limit of {name}',
  limitHint: 'Enter saves, Escape cancels. Empty: the group default ({n}).',
  limitInvalid: 'The limit is a whole number from 0 to 100, or empty for the group default.',
  noMembers: 'No operators in this group yet.',
  noGroups: 'There are no groups for you to supervise yet.',
  alert_no_answer: "A chat waited too long for {name}'s answer and went back to the queue.",
  alert_no_answer_anon: 'A chat waited too long for an answer and went back to the queue.',
  alert_operator_offline: '{name} went offline, and their chat went back to the queue.',
  alert_operator_offline_anon: 'An operator went offline, and their chat went back to the queue.',
  alert_other: 'A chat went back to the queue.',
  alert_returned: 'Nobody else was available, so the chat went back to {name}.',
  alert_returned_anon: 'Nobody else was available, so the chat went back to the same operator.',
  alert_kept: 'Nobody else is available, so the chat stays with {name}, who has not answered yet.',
  alert_kept_anon: 'Nobody else is available, so the chat stays with its operator, who has not answered yet.',
  chatsTitle: 'Open chats',
  chatWaiting: 'waiting {t}',
  chatWith: 'with {name}',
  openChat: 'Open the chat with {name} in the inbox',
  alertChat: 'Chat with {name}',
  dismiss: 'Dismiss',
  saved: 'Saved.',
  updatedAt: 'Updated at {time}',
  live: 'Live',
  polling: 'Updates every {n} s',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  err_forbidden: 'You may change only the status and the limit of operators in the groups you supervise.',
  err_notFound: 'This operator is no longer in your groups. The board was refreshed.',
  err_invalid: 'Please correct: {detail}',
  err_throttled: 'Too many requests. Wait a moment and try again.',
  err_server: 'The server had a problem. Try again in a moment; if it keeps happening, tell an administrator.',
  err_network: 'The server cannot be reached. Check your connection; the board catches up when it is back.',
};

/* ------------------------------------------------------------------ load */

/** "ok" under 70 % of the limit, "warn" under the limit, "full" at or over it (a limit
 * of 0 is always full: the operator takes no chats). */
export function loadLevel(active, limit) {
  const n = Math.max(0, Number(active) || 0);
  const l = Math.max(0, Number(limit) || 0);
  if (l === 0 || n >= l) return 'full';
  return n / l < 0.7 ? 'ok' : 'warn';
}

/** Width of the load bar in percent, 0 to 100. */
export function loadPercent(active, limit) {
  const n = Math.max(0, Number(active) || 0);
  const l = Math.max(0, Number(limit) || 0);
  if (l === 0) return n > 0 ? 100 : 0;
  return Math.min(100, Math.round((n / l) * 100));
}

/* ------------------------------------------------------------------ time */

const UNITS = {
  en: { s: 's', min: 'min', h: 'h', d: 'd', lt: '<1 min' },
  ru: { s: 'с', min: 'мин', h: 'ч', d: 'д', lt: '<1 мин' },
};

function units(lang) { return UNITS[baseLang(lang)] || UNITS.en; }

function pad2(n) { return (n < 10 ? '0' : '') + n; }

/** A live wait to the second: "45 s", "3 min 05 s", "1 h 07 min", "2 d 3 h". */
export function formatWait(seconds, lang) {
  const u = units(lang);
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  if (s < 60) return s + ' ' + u.s;
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' ' + u.min + ' ' + pad2(s % 60) + ' ' + u.s;
  const h = Math.floor(m / 60);
  if (h < 24) return h + ' ' + u.h + ' ' + pad2(m % 60) + ' ' + u.min;
  const d = Math.floor(h / 24);
  return h % 24 ? d + ' ' + u.d + ' ' + (h % 24) + ' ' + u.h : d + ' ' + u.d;
}

/** A coarse time since: "<1 min", "5 min", "2 h 5 min", "3 d". */
export function formatSince(seconds, lang) {
  const u = units(lang);
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  if (s < 60) return u.lt;
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' ' + u.min;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? h + ' ' + u.h + ' ' + (m % 60) + ' ' + u.min : h + ' ' + u.h;
  return Math.floor(h / 24) + ' ' + u.d;
}

/** "ok" under a minute, "warn" under five, "late" from five minutes on. */
export function waitLevel(seconds) {
  const s = Number(seconds) || 0;
  if (s < 60) return 'ok';
  return s < 300 ? 'warn' : 'late';
}

/** The server clock minus ours, in ms, from a board's server_time (0 if unknown). */
export function clockOffset(serverTime, localNow) {
  const t = parseTime(serverTime);
  return t === null ? 0 : t - localNow;
}

/* ------------------------------------------------------------------ the board */

export function findGroup(board, groupId) {
  return ((board && board.groups) || []).find(function (g) { return g.id === groupId; }) || null;
}

/** Counts of a group's operators: {members, available} where available is the
 * server's own routing rule (online, connected or within the grace period, a free
 * seat): exactly who routing may give the next chat to. */
export function groupCounts(group) {
  const ops = (group && group.operators) || [];
  return {
    members: ops.length,
    available: ops.filter(function (o) {
      return typeof o.available === 'boolean' ? o.available : o.status === 'online' && o.connected;
    }).length,
  };
}

/** True when a socket frame should make the board refetch. */
export function frameNeedsRefresh(frame) {
  return !!(frame && REFRESH_FRAMES.has(frame.type));
}

/** Applies what a frame already tells (a queue's size and oldest wait) at once, before
 * the refetch. Returns a new board, or the same one when nothing changed. */
export function applyFrame(board, frame) {
  if (!board || !frame || frame.type !== 'queue.updated') return board;
  const group = findGroup(board, frame.group);
  if (!group) return board;
  const patch = {};
  if (typeof frame.size === 'number') patch.queue_size = frame.size;
  if ('oldest_queued_at' in frame) patch.oldest_queued_at = frame.oldest_queued_at || null;
  if (frame.size === 0) patch.oldest_queued_at = null;
  const changed = Object.keys(patch).some(function (k) { return patch[k] !== group[k]; });
  if (!changed) return board;
  return Object.assign({}, board, {
    groups: board.groups.map(function (g) { return g === group ? Object.assign({}, g, patch) : g; }),
  });
}

/** Applies an operator as PATCH /operators/{id}/ answered it to every row of that
 * operator: status, own limit and, with an own limit, the effective one. The refetch
 * that follows brings anything else (e.g. the default limit that now applies). */
export function applyOperator(board, operator) {
  if (!board || !operator || operator.id === undefined) return board;
  let changed = false;
  const groups = board.groups.map(function (g) {
    let touched = false;
    const ops = g.operators.map(function (o) {
      if (o.id !== operator.id) return o;
      touched = true;
      const next = Object.assign({}, o);
      if (operator.status !== undefined) next.status = operator.status;
      if (operator.max_sessions !== undefined) {
        next.max_sessions = operator.max_sessions;
        if (operator.max_sessions !== null) next.limit = operator.max_sessions;
      }
      if (typeof operator.active_sessions === 'number') next.active_sessions = operator.active_sessions;
      return next;
    });
    if (!touched) return g;
    changed = true;
    return Object.assign({}, g, { operators: ops });
  });
  return changed ? Object.assign({}, board, { groups: groups }) : board;
}

/** A limit typed by the supervisor: {ok: true, value: n or null (the group default)}
 * or {ok: false}. */
export function parseLimit(text) {
  const s = String(text === null || text === undefined ? '' : text).trim();
  if (s === '') return { ok: true, value: null };
  if (!/^\d{1,3}$/.test(s)) return { ok: false };
  const n = Number(s);
  return n <= LIMIT_MAX ? { ok: true, value: n } : { ok: false };
}

/* ------------------------------------------------------------------ alerts */

/** The banner text of an ``alert`` frame. */
export function alertText(frame, t) {
  const s = Object.assign({}, DEFAULTS, t || {});
  const kind = frame && frame.kind;
  const name = frame && typeof frame.operator === 'string' && frame.operator ? frame.operator : null;
  if (kind === 'no_answer') return name ? fmt(s.alert_no_answer, { name: name }) : s.alert_no_answer_anon;
  if (kind === 'operator_offline') {
    return name ? fmt(s.alert_operator_offline, { name: name }) : s.alert_operator_offline_anon;
  }
  if (kind === 'returned') return name ? fmt(s.alert_returned, { name: name }) : s.alert_returned_anon;
  if (kind === 'kept') return name ? fmt(s.alert_kept, { name: name }) : s.alert_kept_anon;
  return s.alert_other;
}

/** The inbox address that opens a chat (the same one the board's API gives). */
export function chatUrl(sessionId) {
  return '/inbox/?session=' + encodeURIComponent(String(sessionId));
}

export function alertKey(frame) {
  const session = frame && frame.session;
  return String(frame && frame.kind) + ':' + String(session && session.id) + ':' + String(frame && frame.operator);
}

/** Adds an alert (newest first, one per kind, session and operator, at most
 * MAX_ALERTS). Returns a new list. */
export function addAlert(list, frame, at) {
  const key = alertKey(frame);
  const rest = (list || []).filter(function (a) { return a.key !== key; });
  return [{ key: key, frame: frame, at: at }].concat(rest).slice(0, MAX_ALERTS);
}

export function dismissAlert(list, key) {
  return (list || []).filter(function (a) { return a.key !== key; });
}

/* ------------------------------------------------------------------ plumbing */

/** Runs ``run`` on request, at most once per ``gapMs``: a request inside the gap, or
 * while a run is under way, is folded into one more run when possible. */
export function makeRefresher(run, gapMs, clock) {
  const c = clock || {};
  const now = c.now || function () { return Date.now(); };
  const later = c.setTimeout || function (fn, ms) { return setTimeout(fn, ms); };
  let last = -Infinity;
  let busy = false;
  let again = false;
  let timer = null;

  function start() {
    timer = null;
    last = now();
    busy = true;
    again = false;
    let result;
    try { result = run(); } catch (e) { result = null; }
    return Promise.resolve(result).catch(function () { return null; }).then(function () {
      busy = false;
      if (again) request();
    });
  }

  function request() {
    if (busy) { again = true; return; }
    if (timer !== null) return;
    const wait = last + gapMs - now();
    if (wait <= 0) start();
    else timer = later(start, wait);
  }

  return { request: request, isBusy: function () { return busy; } };
}

/** What to tell the supervisor about a failed change. */
export function apiErrorText(status, body, t) {
  const s = Object.assign({}, DEFAULTS, t || {});
  if (!status) return s.err_network;
  if (status === 400) return fmt(s.err_invalid, { detail: flattenErrors(body) || '?' });
  if (status === 403) return s.err_forbidden;
  if (status === 404) return s.err_notFound;
  if (status === 429) return s.err_throttled;
  return s.err_server;
}

/** The board's reconnect delay: 0.5 s doubling up to 30 s, without jitter (one socket per
 * supervisor needs none). */
export function backoffDelay(attempt) {
  return jitteredBackoff(attempt, function () { return 0; });
}
