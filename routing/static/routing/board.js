/* The supervisor routing board's page: renders GET /api/v1/board/ (see docs/board.md)
 * and keeps it live. The operator socket's queue.updated, session.updated and alert
 * frames ask for a refetch, at most once a second (admins without an operator record
 * open it as read-only watchers); a poll every 10 s covers lost frames.
 *
 * An ES module (no build step). Its pure logic is board_logic.js; the DOM, API and
 * socket helpers shared with the inbox are in contactcenter/static/contactcenter/common/.
 * Never put server data into HTML: every text goes through textContent. */
import {
  DEFAULTS, REFRESH_GAP_MS, PING_EVERY_MS, LIMIT_MAX, CLOSE_UNAUTHENTICATED, CLOSE_NOT_OPERATOR,
  fmt, loadLevel, loadPercent, formatWait, formatSince, waitLevel, secondsSince, clockOffset,
  findGroup, groupCounts, frameNeedsRefresh, applyFrame, applyOperator, parseLimit, alertText,
  chatUrl, addAlert, dismissAlert, makeRefresher, backoffDelay, apiErrorText,
} from './board_logic.js';
import { baseLang } from '../contactcenter/common/i18n.js';
import { parseTime } from '../contactcenter/common/time.js';
import { domFor, readJson, setText, showToast } from '../contactcenter/common/dom.js';
import { makeApi } from '../contactcenter/common/api.js';
import { OperatorSocket } from '../contactcenter/common/socket.js';

// The page's context, set by boot(): one board per page (tests boot several in turn).
let win, doc, $, h, BOOT, T, LANG, S, api, timeFmt;

function loginUrl() {
  return '/login/?next=' + encodeURIComponent(win.location.pathname || '/routing/board/');
}

function serverNow() { return Date.now() + S.offset; }

function toast(text, kind) {
  showToast(win, h, text, kind, { closeLabel: T.dismiss, okMs: 3000 });
}

/* ---------------------------------------------------------------- loading */
async function load() {
  try {
    const data = await api('GET', BOOT.board_path);
    S.offset = clockOffset(data && data.server_time, Date.now());
    S.board = data;
    S.loadFailed = false;
    render();
    setText($('board-updated'), fmt(T.updatedAt, { time: timeFmt.format(new Date()) }));
  } catch (err) {
    // one toast per outage, not one every poll
    if (!S.loadFailed && err.status !== 401) toast(apiErrorText(err.status, err.body, T), 'error');
    S.loadFailed = true;
    if (err.status === 403) win.location.reload(); // no longer a supervisor: the page says so
  }
}


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
    S.refresher.request();
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
    const wasConnected = S.everConnected;
    S.everConnected = true;
    if (S.socket) S.socket.hello();
    setConn('live');
    if (wasConnected) S.refresher.request(); // frames may have been missed meanwhile
    return;
  }
  if (frame.type === 'alert') {
    S.alerts = addAlert(S.alerts, frame, Date.now());
    renderAlerts();
  }
  const next = applyFrame(S.board, frame);
  if (next !== S.board) { S.board = next; render(); }
  if (frameNeedsRefresh(frame)) S.refresher.request();
}

function connect() {
  if (S.socketOff) { setConn('polling'); return; }
  if (!S.socket) {
    S.socket = new OperatorSocket(win, {
      path: BOOT.socket_path, pingMs: PING_EVERY_MS, backoff: backoffDelay,
      onState: function (state) { setConn(state === 'offline' ? 'reconnecting' : state); },
      onFrame: handleFrame,
      onClose: function (code) {
        if (code === CLOSE_UNAUTHENTICATED) { win.location.assign(loginUrl()); return true; }
        if (code === CLOSE_NOT_OPERATOR) { S.socketOff = true; setConn('polling'); return true; }
        return false;
      },
    });
  }
  S.socket.connect();
}

function start() {
  S.refresher.request();
  connect();
  win.setInterval(tick, 1000);
  win.setInterval(S.refresher.request, Math.max(2, Number(BOOT.poll_every_s) || 10) * 1000);
  doc.addEventListener('visibilitychange', function () { if (!doc.hidden) S.refresher.request(); });
}

/** Starts the board on a window (the browser's, or a test's fake one). */
export function boot(w) {
  win = w;
  doc = w.document;
  ({ $, h } = domFor(doc));
  BOOT = Object.assign(
    { api_base: '/api/v1/', board_path: 'board/', socket_path: null, poll_every_s: 10, language: 'en' },
    readJson(doc, 'board-bootstrap'));
  T = Object.assign({}, DEFAULTS, readJson(doc, 'board-strings'));
  LANG = baseLang(BOOT.language);
  timeFmt = new Intl.DateTimeFormat(LANG, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  api = makeApi({ win: w, base: BOOT.api_base, csrf: BOOT.csrf_token, loginUrl: loginUrl() });
  S = {
    board: null,
    offset: 0, // server clock minus ours
    alerts: [],
    socket: null, // the operator socket (common/socket.js), made on the first connect()
    everConnected: false, // the server said hello at least once
    socketOff: !BOOT.socket_path,
    cards: new Map(), // group id -> {el, refs, rows: Map(operator id -> row refs)}
    loadFailed: false,
    refresher: makeRefresher(load, REFRESH_GAP_MS, { setTimeout: function (fn, ms) { return w.setTimeout(fn, ms); } }),
  };
  start();
  return { state: S, refresh: S.refresher.request, handleFrame: handleFrame };
}

if (typeof window !== 'undefined' && typeof document !== 'undefined' && window.document === document &&
    document.getElementById('board-bootstrap')) {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { window.ccBoard = boot(window); });
  else window.ccBoard = boot(window);
}
