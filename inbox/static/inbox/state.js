/* The inbox page's context, shared by its modules: the window and document it runs in,
 * the bootstrap and strings from the template, the page's one mutable state (S) and
 * the small helpers every panel uses (API calls, toasts, times).
 *
 * These are ES module live bindings: initContext() sets them when the page boots (once
 * in a browser; once per fake page in tests/inboxjs/), and every module reads the same
 * values. Only this module assigns them; the others change fields of S and OB. */
import { DEFAULTS } from './strings.js';
import { Outbox, TYPING_EVERY_MS } from './logic.js';
import { baseLang } from '../contactcenter/common/i18n.js';
import { parseTime } from '../contactcenter/common/time.js';
import { domFor, readJson, isEditable, showToast } from '../contactcenter/common/dom.js';
import { ApiError, makeApi, query } from '../contactcenter/common/api.js';
import { makeThrottle } from '../contactcenter/common/net.js';

export { ApiError, isEditable, query as q };

export const LOGIN_URL = '/login/?next=/inbox/';

/** The panels' functions, by name: each panel module adds what the others call when it
 * is imported (``Object.assign(page, {render, ...})`` at its end), and calls the others
 * as ``page.openSession(id)``. So panels never import each other and the modules form
 * no import cycle, which the hashed static files of production need (a module's hash
 * covers the hashed names of what it imports). Only inbox.js, the entry, imports them. */
export const page = {};

export let win, doc, $, h, BOOT, T, LANG, S, OB, api;
let timeFmt, dateTimeFmt;

function freshState() {
  return {
    me: null,
    sessions: new Map(),
    queues: new Map(), // group id -> {group, name, size, oldest_queued_at}
    expanded: new Set(),
    groups: null, // for the transfer dialog, loaded on first use
    open: null, // {token, sessionId, dialogId, contactId, messages, dialogSessions, contact}
    outbox: new Outbox(),
    socket: null, // the operator socket (common/socket.js), made on the first connect()
    ready: false, // the socket said hello
    typingUntil: 0,
    cannedItems: [],
    cannedIndex: 0,
    openSeq: 0,
    // timers, caches and flags of the panels (one set per page)
    typingThrottle: makeThrottle(TYPING_EVERY_MS),
    syncing: null, syncAgain: false, // resync() under way, and asked again meanwhile
    queueReload: new Map(), typingTimer: null,
    readTimer: null, renderQueued: false, timelineTimer: null, findTimer: null,
    msgCache: new Map(), // message key -> {sig, el}
    wasAtBottom: true,
    leadPipelines: null, leadBusy: false, leadFormFor: null, // the open chat's token the form was filled for
    cannedTimer: null, cannedCache: new Map(),
    opsToken: 0, transferring: false, lastFocus: null, audio: null,
  };
}

/** Sets the page's context for a window (the browser's, or a test's fake one). */
export function initContext(w) {
  win = w;
  doc = w.document;
  ({ $, h } = domFor(doc));
  BOOT = Object.assign({ api_base: '/api/v1/', socket_path: '/ws/operator/', language: 'en' }, readJson(doc, 'inbox-bootstrap'));
  T = Object.assign({}, DEFAULTS, readJson(doc, 'inbox-strings'));
  LANG = baseLang(BOOT.language);
  timeFmt = new Intl.DateTimeFormat(LANG, { hour: '2-digit', minute: '2-digit' });
  dateTimeFmt = new Intl.DateTimeFormat(LANG, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  api = makeApi({ win: w, base: BOOT.api_base, csrf: BOOT.csrf_token, loginUrl: LOGIN_URL });
  S = freshState();
  // notes, search and labels (basics.js)
  OB = { noteMode: false, noteSession: null, labels: null, filter: { assignee: '', label: '' }, found: null, seq: 0, labelsSig: '' };
}

export function toLogin() { win.location.assign(LOGIN_URL); }

/** A time as the operator reads it: "14:05" today, "3 Jan, 14:05" before. */
export function when(iso) {
  const t = parseTime(iso);
  if (t === null) return '';
  const d = new Date(t);
  return d.toDateString() === new Date().toDateString() ? timeFmt.format(d) : dateTimeFmt.format(d);
}

/** A message in the lower right corner: kind "info", "ok" or "error". */
export function toast(text, kind, detail) {
  showToast(win, h, text, kind, { detail: detail });
}
