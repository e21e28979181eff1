/* The live wallboard (/reports/wallboard/, see docs/reports.md): per group the queue,
 * the longest wait (ticking here), operators online, active chats and today's answered,
 * abandoned and service level. It starts from GET reports/live/ and follows the operator
 * socket: queue.updated shows at once, sla.* frames are alerts, and a session's change
 * rereads reports/live/ at most once a second; a poll covers frames lost meanwhile.
 * Pure logic in report_logic.js; server data only ever goes through textContent. */
import {
  fmt, baseLang, liveState, applyLiveFrame, longestWait, slaLevel, levelTone, formatWait,
  formatFigure, makeRefresher, backoffDelay,
} from './report_logic.js';
import { DEFAULTS } from './report_strings.js';
import { domFor, readJson, setText } from '../contactcenter/common/dom.js';
import { makeApi } from '../contactcenter/common/api.js';
import { OperatorSocket } from '../contactcenter/common/socket.js';

const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_NOT_OPERATOR = 4403;

let win, doc, $, h, BOOT, T, LANG, S, api, timeFmt;

async function load() {
  try {
    const data = await api('GET', 'reports/live/');
    const alerts = S.live ? S.live.alerts : [];
    const counts = S.live ? S.live.groups : new Map();
    S.live = liveState(data, Date.now());
    S.live.alerts = alerts;
    for (const [id, g] of S.live.groups) g.alerts = counts.has(id) ? counts.get(id).alerts : 0;
    S.failed = false;
    showError('');
    render();
    setText($('wb-updated'), fmt(T.updatedAt, { time: timeFmt.format(new Date()) }));
  } catch (err) {
    if (err.status === 403) { win.location.reload(); return; }
    if (!S.failed && err.status !== 401) showError(T.err_live);
    S.failed = true;
  }
}

function showError(text) {
  const el = $('report-error');
  el.hidden = !text;
  setText(el, text);
}

function tile(label) {
  const v = h('span', { class: 'v' });
  return { el: h('div', { class: 'wb-tile' }, v, h('span', { class: 'l', text: label })), v: v };
}

function newCard() {
  const c = { name: h('h2') };
  for (const key of ['queue', 'wait', 'online', 'active', 'answered', 'abandoned', 'level']) {
    c[key] = tile(T[{ queue: 'wb_inQueue', wait: 'wb_longestWait', online: 'wb_online', active: 'wb_active',
      answered: 'wb_answered', abandoned: 'wb_abandoned', level: 'wb_serviceLevel' }[key]]);
    c[key].el.dataset.tile = key;
  }
  c.el = h('section', { class: 'wb-group' }, c.name,
    h('div', { class: 'wb-tiles' }, c.queue.el, c.wait.el, c.online.el, c.active.el,
      c.answered.el, c.abandoned.el, c.level.el));
  return c;
}

function updateCard(c, g) {
  c.group = g;
  c.el.dataset.group = g.group;
  c.el.classList.toggle('has-alert', S.live.alerts.some(function (a) { return a.frame.group === g.group; }));
  setText(c.name, g.name);
  setText(c.queue.v, g.queue_size);
  c.queue.el.classList.toggle('busy', g.queue_size > 0);
  setText(c.online.v, g.operators_online);
  setText(c.active.v, g.active_sessions);
  setText(c.answered.v, g.answered);
  setText(c.abandoned.v, g.abandoned);
  setText(c.level.v, formatFigure(g.service_level_pct, 'pct', LANG));
  c.level.el.className = 'wb-tile tone-' + levelTone(g.service_level_pct);
  tickCard(c);
}

function tickCard(c) {
  const wait = longestWait(c.group, Date.now());
  setText(c.wait.v, wait === null ? '—' : formatWait(wait, LANG));
  c.wait.el.className = 'wb-tile lvl-' + slaLevel(wait, c.group.sla_target_s || BOOT.default_target_s || 60);
}

function render() {
  const groups = Array.from(S.live.groups.values()).sort(function (a, b) { return String(a.name).localeCompare(String(b.name)); });
  const empty = $('wb-empty');
  empty.hidden = groups.length > 0;
  setText(empty, T.noGroups);
  const els = groups.map(function (g) {
    let c = S.cards.get(g.group);
    if (!c) { c = newCard(); S.cards.set(g.group, c); }
    updateCard(c, g);
    return c.el;
  });
  $('wb-groups').replaceChildren.apply($('wb-groups'), els);
  renderAlerts();
}

function renderAlerts() {
  const els = S.live.alerts.map(function (a) {
    const f = a.frame;
    const text = fmt(T['alert_' + a.level], {
      name: f.contact_name || '#' + f.session, t: formatWait(f.waiting_s, LANG),
      target: formatWait(f.target_s || 0, LANG),
    });
    return h('div', { class: 'wb-alert level-' + a.level, role: 'alert', 'data-session': f.session },
      h('strong', { text: f.group_name || '' }), h('span', { text: text }),
      h('a', { href: '/inbox/?session=' + encodeURIComponent(f.session), text: T.openChat }));
  });
  $('wb-alerts').replaceChildren.apply($('wb-alerts'), els);
}

function handleFrame(frame) {
  if (frame.type === 'hello' && S.socket) { S.socket.hello(); setConn('live'); }
  if (!S.live) { S.refresher.request(); return; }
  const next = applyLiveFrame(S.live, frame, Date.now());
  if (next.state !== S.live) { S.live = next.state; render(); }
  if (next.refetch) S.refresher.request();
}

function setConn(state) {
  const el = $('wb-conn');
  el.className = 'conn conn-' + state;
  const texts = { live: T.live, connecting: T.connecting, reconnecting: T.reconnecting, polling: fmt(T.polling, { n: BOOT.poll_every_s }) };
  setText(el, texts[state] || '');
}

function connect() {
  if (!BOOT.socket_path) { setConn('polling'); return; }
  S.socket = new OperatorSocket(win, {
    path: BOOT.socket_path, pingMs: 20000, backoff: backoffDelay,
    onState: function (state) { setConn(state === 'offline' ? 'reconnecting' : state); },
    onFrame: handleFrame,
    onClose: function (code) {
      if (code === CLOSE_UNAUTHENTICATED) { win.location.assign('/login/?next=/reports/wallboard/'); return true; }
      if (code === CLOSE_NOT_OPERATOR) { setConn('polling'); return true; }
      return false;
    },
  });
  S.socket.connect();
}

/** Starts the wallboard on a window (the browser's, or a test's). */
export function boot(w) {
  win = w;
  doc = w.document;
  ({ $, h } = domFor(doc));
  BOOT = Object.assign({ api_base: '/api/v1/', language: 'en', poll_every_s: 15 }, readJson(doc, 'reports-bootstrap'));
  T = Object.assign({}, DEFAULTS, readJson(doc, 'reports-strings'));
  LANG = baseLang(BOOT.language);
  timeFmt = new Intl.DateTimeFormat(LANG, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  api = makeApi({ win: w, base: BOOT.api_base, csrf: BOOT.csrf_token, loginUrl: '/login/?next=/reports/wallboard/' });
  S = { live: null, cards: new Map(), socket: null, failed: false };
  S.refresher = makeRefresher(load, 1000, { setTimeout: function (fn, ms) { return w.setTimeout(fn, ms); } });
  $('wb-fullscreen').addEventListener('click', function () {
    if (doc.fullscreenElement) doc.exitFullscreen(); else if (doc.documentElement.requestFullscreen) doc.documentElement.requestFullscreen();
  });
  S.refresher.request();
  connect();
  w.setInterval(function () { for (const c of S.cards.values()) if (c.group) tickCard(c); }, 1000);
  w.setInterval(S.refresher.request, Math.max(5, Number(BOOT.poll_every_s) || 15) * 1000);
  doc.addEventListener('visibilitychange', function () { if (!doc.hidden) S.refresher.request(); });
  return { state: S, handleFrame: handleFrame };
}

if (typeof window !== 'undefined' && typeof document !== 'undefined' && document.getElementById('wb-groups')) {
  window.ccWallboard = boot(window);
}
