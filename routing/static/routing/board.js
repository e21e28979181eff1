/* The supervisor routing board. Plain JavaScript, no dependencies and no build step.
 *
 * The first half is pure logic (load colours, wait formatting, merging live frames into
 * the board, alert texts, the refresh limiter): it also runs under Node, where
 * tests/boardjs/ exercise it. The second half drives the page and only starts when there
 * is a document.
 *
 * Data: GET /api/v1/board/ (see docs/board.md). Live: the operator socket's
 * queue.updated, session.updated and alert frames ask for a refetch, at most once a
 * second (admins without an operator record open it as read-only watchers); a poll every
 * 10 s covers lost frames.
 *
 * Never put server data into HTML: every text goes through textContent. */
(function () {
  'use strict';

  const REFRESH_GAP_MS = 1000;
  const BACKOFF_BASE_MS = 500;
  const BACKOFF_MAX_MS = 30000;
  const PING_EVERY_MS = 20000;
  const MAX_ALERTS = 5;
  const LIMIT_MAX = 100;
  const CLOSE_UNAUTHENTICATED = 4401;
  const CLOSE_NOT_OPERATOR = 4403;
  const REFRESH_FRAMES = new Set(['queue.updated', 'session.updated', 'session.assigned', 'alert', 'operator.updated']);

  /* ------------------------------------------------------------------ strings */

  // English defaults. The page passes the same keys translated by Django (the
  // "board-strings" block of routing/board.html), so Russian comes from the one .po file.
  const DEFAULTS = {
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

  function fmt(template, params) {
    return String(template).replace(/\{(\w+)\}/g, function (whole, key) {
      return params && params[key] !== undefined && params[key] !== null ? String(params[key]) : whole;
    });
  }

  function baseLang(lang) {
    return String(lang || 'en').toLowerCase().split(/[-_]/)[0];
  }

  /* ------------------------------------------------------------------ load */

  /** "ok" under 70 % of the limit, "warn" under the limit, "full" at or over it (a limit
   * of 0 is always full: the operator takes no chats). */
  function loadLevel(active, limit) {
    const n = Math.max(0, Number(active) || 0);
    const l = Math.max(0, Number(limit) || 0);
    if (l === 0 || n >= l) return 'full';
    return n / l < 0.7 ? 'ok' : 'warn';
  }

  /** Width of the load bar in percent, 0 to 100. */
  function loadPercent(active, limit) {
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
  function formatWait(seconds, lang) {
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
  function formatSince(seconds, lang) {
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
  function waitLevel(seconds) {
    const s = Number(seconds) || 0;
    if (s < 60) return 'ok';
    return s < 300 ? 'warn' : 'late';
  }

  function parseTime(iso) {
    if (!iso) return null;
    const t = Date.parse(iso);
    return isNaN(t) ? null : t;
  }

  /** Seconds from ``iso`` to ``now`` (ms), never negative; null without a time. */
  function secondsSince(iso, now) {
    const t = parseTime(iso);
    return t === null ? null : Math.max(0, (now - t) / 1000);
  }

  /** The server clock minus ours, in ms, from a board's server_time (0 if unknown). */
  function clockOffset(serverTime, localNow) {
    const t = parseTime(serverTime);
    return t === null ? 0 : t - localNow;
  }

  /* ------------------------------------------------------------------ the board */

  function findGroup(board, groupId) {
    return ((board && board.groups) || []).find(function (g) { return g.id === groupId; }) || null;
  }

  /** Counts of a group's operators: {members, available} where available is the
   * server's own routing rule (online, connected or within the grace period, a free
   * seat): exactly who routing may give the next chat to. */
  function groupCounts(group) {
    const ops = (group && group.operators) || [];
    return {
      members: ops.length,
      available: ops.filter(function (o) {
        return typeof o.available === 'boolean' ? o.available : o.status === 'online' && o.connected;
      }).length,
    };
  }

  /** True when a socket frame should make the board refetch. */
  function frameNeedsRefresh(frame) {
    return !!(frame && REFRESH_FRAMES.has(frame.type));
  }

  /** Applies what a frame already tells (a queue's size and oldest wait) at once, before
   * the refetch. Returns a new board, or the same one when nothing changed. */
  function applyFrame(board, frame) {
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
  function applyOperator(board, operator) {
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
  function parseLimit(text) {
    const s = String(text === null || text === undefined ? '' : text).trim();
    if (s === '') return { ok: true, value: null };
    if (!/^\d{1,3}$/.test(s)) return { ok: false };
    const n = Number(s);
    return n <= LIMIT_MAX ? { ok: true, value: n } : { ok: false };
  }

  /* ------------------------------------------------------------------ alerts */

  /** The banner text of an ``alert`` frame. */
  function alertText(frame, t) {
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
  function chatUrl(sessionId) {
    return '/inbox/?session=' + encodeURIComponent(String(sessionId));
  }

  function alertKey(frame) {
    const session = frame && frame.session;
    return String(frame && frame.kind) + ':' + String(session && session.id) + ':' + String(frame && frame.operator);
  }

  /** Adds an alert (newest first, one per kind, session and operator, at most
   * MAX_ALERTS). Returns a new list. */
  function addAlert(list, frame, at) {
    const key = alertKey(frame);
    const rest = (list || []).filter(function (a) { return a.key !== key; });
    return [{ key: key, frame: frame, at: at }].concat(rest).slice(0, MAX_ALERTS);
  }

  function dismissAlert(list, key) {
    return (list || []).filter(function (a) { return a.key !== key; });
  }

  /* ------------------------------------------------------------------ plumbing */

  /** Runs ``run`` on request, at most once per ``gapMs``: a request inside the gap, or
   * while a run is under way, is folded into one more run when possible. */
  function makeRefresher(run, gapMs, clock) {
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

  function backoffDelay(attempt) {
    return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * Math.pow(2, Math.max(0, attempt)));
  }

  function flattenErrors(body) {
    if (body === null || body === undefined) return '';
    if (typeof body === 'string') return body;
    if (Array.isArray(body)) return body.map(flattenErrors).filter(Boolean).join(' ');
    if (typeof body === 'object') {
      if (typeof body.detail === 'string') return body.detail;
      return Object.keys(body).map(function (k) {
        const v = flattenErrors(body[k]);
        return k === 'non_field_errors' ? v : k + ': ' + v;
      }).filter(Boolean).join('; ');
    }
    return String(body);
  }

  /** What to tell the supervisor about a failed change. */
  function apiErrorText(status, body, t) {
    const s = Object.assign({}, DEFAULTS, t || {});
    if (!status) return s.err_network;
    if (status === 400) return fmt(s.err_invalid, { detail: flattenErrors(body) || '?' });
    if (status === 403) return s.err_forbidden;
    if (status === 404) return s.err_notFound;
    if (status === 429) return s.err_throttled;
    return s.err_server;
  }

  const exported = {
    DEFAULTS: DEFAULTS, fmt: fmt, loadLevel: loadLevel, loadPercent: loadPercent,
    formatWait: formatWait, formatSince: formatSince, waitLevel: waitLevel,
    secondsSince: secondsSince, clockOffset: clockOffset, groupCounts: groupCounts,
    frameNeedsRefresh: frameNeedsRefresh, applyFrame: applyFrame, applyOperator: applyOperator,
    parseLimit: parseLimit, alertText: alertText, addAlert: addAlert, dismissAlert: dismissAlert,
    makeRefresher: makeRefresher, backoffDelay: backoffDelay, flattenErrors: flattenErrors,
    apiErrorText: apiErrorText,
  };

  /* ================================================================== the page */

  function boot(win) {
    const doc = win.document;
    const $ = function (id) { return doc.getElementById(id); };

    function readJson(id) {
      const el = $(id);
      if (!el) return {};
      try { return JSON.parse(el.textContent || '{}') || {}; } catch (e) { return {}; }
    }

    const BOOT = Object.assign(
      { api_base: '/api/v1/', board_path: 'board/', socket_path: null, poll_every_s: 10, language: 'en' },
      readJson('board-bootstrap'));
    const T = Object.assign({}, DEFAULTS, readJson('board-strings'));
    const LANG = baseLang(BOOT.language);
    const LOGIN_URL = '/login/?next=' + encodeURIComponent(win.location.pathname || '/routing/board/');

    /** h('div', {class: 'x', text: 'y', onclick: fn}, child...) */
    function h(tag, attrs) {
      const el = doc.createElement(tag);
      const a = attrs || {};
      for (const key of Object.keys(a)) {
        const v = a[key];
        if (v === null || v === undefined || v === false) continue;
        if (key === 'class') el.className = v;
        else if (key === 'text') el.textContent = String(v);
        else if (key.startsWith('on') && typeof v === 'function') el.addEventListener(key.slice(2), v);
        else if (v === true) el.setAttribute(key, '');
        else el.setAttribute(key, String(v));
      }
      for (let i = 2; i < arguments.length; i++) {
        const c = arguments[i];
        if (c === null || c === undefined || c === false) continue;
        el.append(typeof c === 'string' || typeof c === 'number' ? doc.createTextNode(String(c)) : c);
      }
      return el;
    }

    function setText(el, text) {
      const s = String(text);
      if (el.textContent !== s) el.textContent = s;
    }

    const timeFmt = new Intl.DateTimeFormat(LANG, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

    const S = {
      board: null,
      offset: 0, // server clock minus ours
      alerts: [],
      socket: null,
      attempt: 0,
      everConnected: false,
      socketOff: !BOOT.socket_path,
      cards: new Map(), // group id -> {el, refs, rows: Map(operator id -> row refs)}
    };

    function serverNow() { return Date.now() + S.offset; }

    /* ---------------------------------------------------------------- API */

    class ApiError extends Error {
      constructor(status, body) { super('API ' + status); this.status = status; this.body = body; }
    }

    function csrfToken() {
      const m = /(?:^|;\s*)csrftoken=([^;]+)/.exec(doc.cookie || '');
      return m ? decodeURIComponent(m[1]) : BOOT.csrf_token || '';
    }

    async function api(method, path, body) {
      const headers = { Accept: 'application/json' };
      let payload;
      if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
      if (method !== 'GET') headers['X-CSRFToken'] = csrfToken();
      let res;
      try {
        res = await win.fetch(BOOT.api_base + path, { method: method, headers: headers, body: payload, credentials: 'same-origin' });
      } catch (e) {
        throw new ApiError(0, null);
      }
      let data = null;
      const text = await res.text().catch(function () { return ''; });
      if (text) { try { data = JSON.parse(text); } catch (e) { data = null; } }
      if (res.status === 401) { win.location.assign(LOGIN_URL); throw new ApiError(401, data); }
      if (!res.ok) throw new ApiError(res.status, data);
      return data;
    }

    function toast(text, kind) {
      const box = $('toasts');
      if (!box) return;
      const el = h('div', { class: 'toast ' + (kind || 'info'), role: kind === 'error' ? 'alert' : 'status' },
        h('span', { class: 'toast-text', text: text }),
        h('button', { type: 'button', class: 'toast-x', 'aria-label': T.dismiss, text: '×', onclick: function () { el.remove(); } }));
      box.append(el);
      while (box.children.length > 4) box.firstElementChild.remove();
      win.setTimeout(function () { el.remove(); }, kind === 'error' ? 9000 : 3000);
    }

    /* ---------------------------------------------------------------- loading */

    let loadFailed = false;
    async function load() {
      try {
        const data = await api('GET', BOOT.board_path);
        S.offset = clockOffset(data && data.server_time, Date.now());
        S.board = data;
        loadFailed = false;
        render();
        setText($('board-updated'), fmt(T.updatedAt, { time: timeFmt.format(new Date()) }));
      } catch (err) {
        // one toast per outage, not one every poll
        if (!loadFailed && err.status !== 401) toast(apiErrorText(err.status, err.body, T), 'error');
        loadFailed = true;
        if (err.status === 403) win.location.reload(); // no longer a supervisor: the page says so
      }
    }

    const refresher = makeRefresher(load, REFRESH_GAP_MS, { setTimeout: function (fn, ms) { return win.setTimeout(fn, ms); } });

    /* ---------------------------------------------------------------- changes */

    async function patchOperator(operator, body) {
      try {
        const answer = await api('PATCH', 'operators/' + operator.id + '/', body);
        S.board = applyOperator(S.board, answer);
        render();
        toast(T.saved, 'ok');
        return true;
      } catch (err) {
        if (err.status !== 401) toast(apiErrorText(err.status, err.body, T), 'error');
        return false;
      } finally {
        refresher.request();
      }
    }

    /* ---------------------------------------------------------------- rendering */

    function statusSelect() {
      const select = h('select', { class: 'op-status-select' });
      for (const value of ['online', 'away', 'offline']) select.append(h('option', { value: value, text: T['op_' + value] }));
      select.addEventListener('change', async function () {
        const row = select._row;
        const wanted = select.value;
        select.disabled = true;
        const ok = await patchOperator(row.op, { status: wanted });
        select.disabled = false;
        if (!ok) select.value = row.op.status;
      });
      return select;
    }

    function limitInput() {
      const input = h('input', { type: 'number', class: 'op-limit-input', min: 0, max: LIMIT_MAX, step: 1, inputmode: 'numeric' });
      function revert() {
        input.dataset.dirty = '';
        input.value = input._row.op.max_sessions === null || input._row.op.max_sessions === undefined ? '' : String(input._row.op.max_sessions);
        input.classList.remove('invalid');
      }
      input.addEventListener('input', function () { input.dataset.dirty = '1'; input.classList.remove('invalid'); });
      input.addEventListener('blur', function () { if (!input.disabled) revert(); });
      input.addEventListener('keydown', async function (ev) {
        if (ev.key === 'Escape') { ev.preventDefault(); revert(); input.blur(); return; }
        if (ev.key !== 'Enter') return;
        ev.preventDefault();
        const parsed = parseLimit(input.value);
        if (!parsed.ok) { input.classList.add('invalid'); toast(T.limitInvalid, 'error'); return; }
        const op = input._row.op;
        if (parsed.value === op.max_sessions) { revert(); return; }
        input.disabled = true;
        const ok = await patchOperator(op, { max_sessions: parsed.value });
        input.disabled = false;
        if (ok) { revert(); input.blur(); } else { input.focus(); }
      });
      return input;
    }

    function newRow() {
      const r = {};
      r.dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
      r.name = h('span', { class: 'op-name' });
      r.conn = h('span', { class: 'op-conn' });
      r.select = statusSelect();
      r.fill = h('span', { class: 'load-fill' });
      r.loadText = h('span', { class: 'load-text' });
      r.bar = h('span', { class: 'load-bar', role: 'img' }, r.fill);
      r.limit = limitInput();
      r.last = h('span', { class: 'op-last' });
      r.tr = h('tr', null,
        h('th', { scope: 'row' }, h('span', { class: 'op-who' }, r.dot, r.name), r.conn),
        h('td', null, r.select),
        h('td', null, h('span', { class: 'load' }, r.bar, r.loadText)),
        h('td', null, r.limit),
        h('td', null, r.last));
      r.select._row = r;
      r.limit._row = r;
      return r;
    }

    function updateRow(r, op, group) {
      r.op = op;
      const routable = op.status === 'online' && op.connected;
      r.tr.className = 'op-row status-' + op.status + (op.connected ? ' is-connected' : ' not-connected');
      r.dot.className = 'dot dot-' + op.status + (op.connected ? '' : ' dot-hollow');
      setText(r.name, op.name);
      setText(r.conn, op.connected ? T.connected : T.notConnected);
      r.conn.className = 'op-conn ' + (op.connected ? 'on' : 'off');
      r.dot.setAttribute('title', op.status === 'online' && !routable ? T.onlineNotConnected : T['op_' + op.status]);
      r.select.setAttribute('aria-label', fmt(T.statusOf, { name: op.name }));
      if (doc.activeElement !== r.select && !r.select.disabled) r.select.value = op.status;
      r.select.dataset.status = op.status;
      const level = loadLevel(op.active_sessions, op.limit);
      r.fill.className = 'load-fill load-' + level;
      r.fill.style.width = loadPercent(op.active_sessions, op.limit) + '%';
      const loadLabel = fmt(T.loadOf, { n: op.active_sessions, limit: op.limit });
      r.bar.setAttribute('aria-label', loadLabel);
      r.bar.setAttribute('title', loadLabel);
      setText(r.loadText, op.active_sessions + ' / ' + op.limit);
      r.loadText.className = 'load-text load-text-' + level;
      r.limit.setAttribute('aria-label', fmt(T.limitOf, { name: op.name }));
      const fallback = op.max_sessions === null || op.max_sessions === undefined ? op.limit : group.default_max_sessions;
      r.limit.setAttribute('placeholder', String(fallback));
      r.limit.setAttribute('title', fmt(T.limitHint, { n: fallback }));
      if (!r.limit.dataset.dirty && !r.limit.disabled) {
        r.limit.value = op.max_sessions === null || op.max_sessions === undefined ? '' : String(op.max_sessions);
      }
      r.lastAt = op.last_assigned_at;
      tickRow(r);
    }

    function tickRow(r) {
      const since = secondsSince(r.lastAt, serverNow());
      setText(r.last, since === null ? T.never : fmt(T.ago, { t: formatSince(since, LANG) }));
      if (r.lastAt) r.last.setAttribute('title', new Date(parseTime(r.lastAt)).toLocaleString(LANG));
    }

    function stat(label) {
      const value = h('span', { class: 'stat-value' });
      const el = h('div', { class: 'stat' }, value, h('span', { class: 'stat-label', text: label }));
      return { el: el, value: value };
    }

    function newCard() {
      const c = { rows: new Map() };
      c.name = h('h2', { class: 'group-name' });
      c.strategy = h('span', { class: 'pill strategy' });
      c.queue = stat(T.inQueue);
      c.wait = stat(T.longestWait);
      c.active = stat(T.activeChats);
      c.available = stat(T.available);
      c.tbody = h('tbody');
      c.empty = h('p', { class: 'muted group-empty', text: T.noMembers });
      c.chats = h('ul', { class: 'chats', 'aria-label': T.chatsTitle });
      c.table = h('table', { class: 'ops' },
        h('thead', null, h('tr', null,
          h('th', { scope: 'col', text: T.colOperator }),
          h('th', { scope: 'col', text: T.colStatus }),
          h('th', { scope: 'col', text: T.colLoad }),
          h('th', { scope: 'col', text: T.colLimit }),
          h('th', { scope: 'col', text: T.colLastAssigned }))),
        c.tbody);
      c.el = h('section', { class: 'group-card' },
        h('header', { class: 'group-head' }, c.name, c.strategy),
        h('div', { class: 'stats' }, c.queue.el, c.wait.el, c.active.el, c.available.el),
        h('div', { class: 'ops-wrap' }, c.table),
        c.empty,
        c.chats);
      return c;
    }

    /** Puts ``wanted`` (elements) into ``parent`` in order, moving nodes only when the
     * order differs (moving a node would take the focus away from its inputs). */
    function placeInOrder(parent, wanted) {
      const now = parent.children;
      const same = now.length === wanted.length && wanted.every(function (el, i) { return now[i] === el; });
      if (same) return;
      for (const el of Array.from(now)) if (!wanted.includes(el)) el.remove();
      wanted.forEach(function (el, i) { if (parent.children[i] !== el) parent.insertBefore(el, parent.children[i] || null); });
    }

    function updateCard(c, g) {
      c.group = g;
      c.el.setAttribute('aria-label', g.name);
      setText(c.name, g.name);
      setText(c.strategy, T['strategy_' + g.routing_strategy] || g.routing_strategy);
      setText(c.queue.value, g.queue_size);
      c.queue.el.className = 'stat' + (g.queue_size > 0 ? ' stat-busy' : '');
      setText(c.active.value, g.active_sessions);
      const counts = groupCounts(g);
      setText(c.available.value, fmt(T.availableOf, { n: counts.available, m: counts.members }));
      c.available.el.className = 'stat' + (counts.available === 0 && counts.members > 0 ? ' stat-none' : '');
      const seen = new Set();
      const rows = [];
      for (const op of g.operators) {
        let r = c.rows.get(op.id);
        if (!r) { r = newRow(); c.rows.set(op.id, r); }
        updateRow(r, op, g);
        seen.add(op.id);
        rows.push(r.tr);
      }
      for (const id of Array.from(c.rows.keys())) if (!seen.has(id)) c.rows.delete(id);
      placeInOrder(c.tbody, rows);
      c.table.hidden = rows.length === 0;
      c.empty.hidden = rows.length > 0;
      renderChats(c, g.sessions || []);
      tickCard(c);
    }

    /** The group's open chats, each a link that opens it in the inbox. */
    function renderChats(c, chats) {
      c.chats.hidden = chats.length === 0;
      c.chatEls = chats.map(function (chat) {
        const name = chat.contact_name || '#' + chat.id;
        const state = h('span', { class: 'chat-state muted' });
        const link = h('a', { class: 'chat-link chat-' + chat.status, href: chat.url || chatUrl(chat.id),
          title: fmt(T.openChat, { name: name }), 'data-session': chat.id },
          h('span', { class: 'chat-name', text: name }), state);
        return { chat: chat, state: state, li: h('li', null, link) };
      });
      c.chats.replaceChildren.apply(c.chats, c.chatEls.map(function (x) { return x.li; }));
      tickChats(c);
    }

    function tickChats(c) {
      for (const x of c.chatEls || []) {
        const chat = x.chat;
        if (chat.status === 'queued') {
          const wait = secondsSince(chat.queued_at, serverNow());
          setText(x.state, fmt(T.chatWaiting, { t: formatWait(wait || 0, LANG) }));
        } else setText(x.state, fmt(T.chatWith, { name: chat.operator_name || '' }));
      }
    }

    function tickCard(c) {
      const g = c.group;
      const wait = g.queue_size > 0 ? secondsSince(g.oldest_queued_at, serverNow()) : null;
      setText(c.wait.value, wait === null ? '—' : formatWait(wait, LANG));
      c.wait.el.className = 'stat' + (wait === null ? '' : ' wait-' + waitLevel(wait));
      for (const r of c.rows.values()) tickRow(r);
      tickChats(c);
    }

    function render() {
      const loading = $('board-loading');
      if (loading) loading.hidden = true;
      const groups = (S.board && S.board.groups) || [];
      const empty = $('board-empty');
      empty.hidden = groups.length > 0;
      setText(empty, T.noGroups);
      const seen = new Set();
      const cards = [];
      for (const g of groups) {
        let c = S.cards.get(g.id);
        if (!c) { c = newCard(); S.cards.set(g.id, c); }
        updateCard(c, g);
        seen.add(g.id);
        cards.push(c.el);
      }
      for (const id of Array.from(S.cards.keys())) if (!seen.has(id)) S.cards.delete(id);
      placeInOrder($('board-groups'), cards);
      renderAlerts();
    }

    function tick() {
      for (const c of S.cards.values()) tickCard(c);
    }

    function renderAlerts() {
      const box = $('board-alerts');
      const els = S.alerts.map(function (a) {
        const session = a.frame.session || {};
        const group = findGroup(S.board, session.group);
        const groupName = (group && group.name) || session.group_name || '';
        return h('div', { class: 'board-alert alert-' + String(a.frame.kind || 'other'), role: 'alert' },
          h('span', { class: 'alert-time', text: timeFmt.format(new Date(a.at)) }),
          groupName ? h('strong', { class: 'alert-group', text: groupName }) : null,
          h('span', { class: 'alert-text', text: alertText(a.frame, T) }),
          session.contact_name && session.id !== undefined
            ? h('a', { class: 'alert-chat', href: chatUrl(session.id), text: fmt(T.alertChat, { name: session.contact_name }) })
            : null,
          h('button', { type: 'button', class: 'alert-x', 'aria-label': T.dismiss, title: T.dismiss, text: '×',
            onclick: function () { S.alerts = dismissAlert(S.alerts, a.key); renderAlerts(); } }));
      });
      box.replaceChildren.apply(box, els);
    }

    /* ---------------------------------------------------------------- the socket */

    let pingTimer = null;
    let reconnectTimer = null;

    function setConn(state) {
      const el = $('board-conn');
      if (!el) return;
      el.className = 'conn conn-' + state;
      const texts = {
        live: T.live, connecting: T.connecting, reconnecting: T.reconnecting,
        polling: fmt(T.polling, { n: BOOT.poll_every_s }),
      };
      setText(el, texts[state] || '');
    }

    function handleFrame(frame) {
      if (frame.type === 'hello') {
        S.attempt = 0;
        const wasConnected = S.everConnected;
        S.everConnected = true;
        setConn('live');
        if (wasConnected) refresher.request(); // frames may have been missed meanwhile
        return;
      }
      if (frame.type === 'alert') {
        S.alerts = addAlert(S.alerts, frame, Date.now());
        renderAlerts();
      }
      const next = applyFrame(S.board, frame);
      if (next !== S.board) { S.board = next; render(); }
      if (frameNeedsRefresh(frame)) refresher.request();
    }

    function connect() {
      if (S.socketOff) { setConn('polling'); return; }
      win.clearTimeout(reconnectTimer);
      setConn(S.everConnected ? 'reconnecting' : 'connecting');
      const proto = win.location.protocol === 'https:' ? 'wss:' : 'ws:';
      let ws;
      try {
        ws = new win.WebSocket(proto + '//' + win.location.host + BOOT.socket_path);
      } catch (e) {
        scheduleReconnect();
        return;
      }
      S.socket = ws;
      ws.onopen = function () {
        win.clearInterval(pingTimer);
        pingTimer = win.setInterval(function () {
          if (ws.readyState === 1) ws.send(JSON.stringify({ type: 'ping' }));
        }, PING_EVERY_MS);
      };
      ws.onmessage = function (ev) {
        let frame;
        try { frame = JSON.parse(ev.data); } catch (e) { return; }
        if (frame && typeof frame === 'object') handleFrame(frame);
      };
      ws.onclose = function (ev) {
        if (S.socket !== ws) return;
        win.clearInterval(pingTimer);
        S.socket = null;
        if (ev.code === CLOSE_UNAUTHENTICATED) { win.location.assign(LOGIN_URL); return; }
        if (ev.code === CLOSE_NOT_OPERATOR) { S.socketOff = true; setConn('polling'); return; }
        scheduleReconnect();
      };
    }

    function scheduleReconnect() {
      setConn('reconnecting');
      reconnectTimer = win.setTimeout(connect, backoffDelay(S.attempt++));
    }

    function start() {
      refresher.request();
      connect();
      win.setInterval(tick, 1000);
      win.setInterval(refresher.request, Math.max(2, Number(BOOT.poll_every_s) || 10) * 1000);
      doc.addEventListener('visibilitychange', function () { if (!doc.hidden) refresher.request(); });
    }

    start();
    return { state: S, refresh: refresher.request, handleFrame: handleFrame };
  }

  exported.findGroup = findGroup;
  exported.chatUrl = chatUrl;
  if (typeof module !== 'undefined' && module.exports) module.exports = exported;
  if (typeof window !== 'undefined' && typeof document !== 'undefined' && window.document === document &&
      document.getElementById('board-bootstrap')) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { window.ccBoard = boot(window); });
    else window.ccBoard = boot(window);
  }
})();
