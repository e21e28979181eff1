/* The operator inbox's pure logic: message merging, the outbox of unacknowledged
 * messages, SLA colours, wait formatting, canned-response matching, the lists... No DOM:
 * tests/inboxjs/ exercise it under Node. The page's modules import it from here, with
 * the helpers it shares with the board and the reports (common module) re-exported. */
import { DEFAULTS } from './strings.js';
import { fmt, baseLang } from '../contactcenter/common/i18n.js';
import { parseTime } from '../contactcenter/common/time.js';
import { flattenErrors, results } from '../contactcenter/common/api.js';
import { backoffDelay, makeThrottle, safeUrl, uuid } from '../contactcenter/common/net.js';

export { DEFAULTS, fmt, baseLang, parseTime, flattenErrors, results, backoffDelay, makeThrottle, safeUrl, uuid };

export const PING_EVERY_MS = 20000;
export const SILENCE_LIMIT_MS = 50000; // no frame at all for this long: the socket is dead
export const TYPING_EVERY_MS = 2000;
export const RESEND_UNAVAILABLE_MS = 1000;
export const TYPING_SHOW_MS = 5000;
export const ACK_TIMEOUT_MS = 15000; // an unacked socket message is re-posted over HTTP
export const RECENT_CLOSED = 10;
export const CANNED_LIMIT = 8;

/* ------------------------------------------------------------------ time */

const WAIT_UNITS = {
  en: { lt: '<1 min', min: 'min', h: 'h', d: 'd' },
  ru: { lt: '<1 мин', min: 'мин', h: 'ч', d: 'д' },
};

/** A compact waiting time: "<1 min", "2 min", "1 h 5 min", "2 d 3 h" (or in Russian). */
export function formatWait(seconds, lang) {
  const u = WAIT_UNITS[baseLang(lang)] || WAIT_UNITS.en;
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  if (s < 60) return u.lt;
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' ' + u.min;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? h + ' ' + u.h + ' ' + (m % 60) + ' ' + u.min : h + ' ' + u.h;
  const d = Math.floor(h / 24);
  return h % 24 ? d + ' ' + u.d + ' ' + (h % 24) + ' ' + u.h : d + ' ' + u.d;
}

/** Since when (ms) the contact has been waiting for a reply, or null: only while the
 * session is open and its last message is the contact's. */
export function waitingSince(session) {
  if (!session || session.status === 'closed') return null;
  const last = session.last_message;
  if (!last || last.sender_type !== 'contact') return null;
  return parseTime(session.last_contact_message_at) || parseTime(last.created_at);
}

/** "ok" under 80 % of the SLA target, "warn" under the target, "late" from it on;
 * null without a target: the server's one definition (routing/sla.py, ``sla_level``:
 * warning from 80 %, breached from 100 %). The target is the group's, sent by the
 * server with each session (``sla_target_s``): the page has no default of its own. */
export function slaLevel(waitSeconds, targetSeconds) {
  const target = Number(targetSeconds);
  if (!(target > 0)) return null;
  const ratio = Math.max(0, Number(waitSeconds) || 0) / target;
  if (ratio < 0.8) return 'ok';
  if (ratio < 1) return 'warn';
  return 'late';
}

/** {text, level} for a session's live waiting label, or null when nobody waits or the
 * session comes without the group's target (no SLA timer then). */
export function waitBadge(session, now, lang) {
  const since = waitingSince(session);
  if (since === null) return null;
  const seconds = Math.max(0, (now - since) / 1000);
  const level = slaLevel(seconds, session.sla_target_s);
  return level === null ? null : { text: formatWait(seconds, lang), level: level };
}

/* ------------------------------------------------------------------ messages */

export function messageKey(m) {
  return m.id !== null && m.id !== undefined ? 'i' + m.id : 'c' + m.client_id;
}

/** Merges incoming messages into a list: one entry per id and per client_id (a server
 * copy replaces the local pending one), ordered by id, pending ones last in the order
 * they were written. Returns a new array. */
export function mergeMessages(list, incoming) {
  const out = [];
  const byId = new Map();
  const byClient = new Map();
  const all = (list || []).concat(incoming || []);
  for (const m of all) {
    if (!m) continue;
    const hasId = m.id !== null && m.id !== undefined;
    let at = hasId && byId.has(m.id) ? byId.get(m.id) : undefined;
    if (at === undefined && m.client_id && byClient.has(m.client_id)) at = byClient.get(m.client_id);
    if (at === undefined) {
      at = out.length;
      out.push(m);
    } else {
      const old = out[at];
      const oldHasId = old.id !== null && old.id !== undefined;
      if (hasId) {
        const merged = Object.assign({}, oldHasId ? old : {}, m);
        delete merged._local;
        out[at] = merged;
      } else if (!oldHasId) {
        out[at] = Object.assign({}, old, m);
      } // a pending copy never replaces the server's
    }
    const cur = out[at];
    if (cur.id !== null && cur.id !== undefined) byId.set(cur.id, at);
    if (cur.client_id) byClient.set(cur.client_id, at);
  }
  const keyed = out.map(function (m, i) { return { m: m, i: i }; });
  keyed.sort(function (a, b) {
    const ai = a.m.id !== null && a.m.id !== undefined ? a.m.id : Infinity;
    const bi = b.m.id !== null && b.m.id !== undefined ? b.m.id : Infinity;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return a.i - b.i;
  });
  return keyed.map(function (k) { return k.m; });
}

/** The updates (message.updated: a translation) the open chat got, by message id, each
 * with the number of its arrival (``seq``). A copy of the message that may be older than
 * an update must not undo it: the message's own message.new frame, which can arrive
 * after its translation, and a fetch of the chat's messages that started before the
 * update came. An update for a message not shown yet waits here for it. */
export function keepEarly(early, update, seq) {
  const prev = early.get(update.id);
  early.set(update.id, { seq: seq || 0, update: Object.assign({}, prev ? prev.update : null, update) });
}

/** ``list`` with the kept updates of its messages merged over them again: those that
 * came after ``since`` (the number when the fetch that gave ``list`` started; a fetch
 * that started later saw them), or all of them when ``since`` is undefined. */
export function applyEarly(list, early, since) {
  if (!early || !early.size) return list;
  const found = [];
  for (const m of list) {
    if (m.id === null || m.id === undefined) continue;
    const kept = early.get(m.id);
    if (kept && (since === undefined || kept.seq > since)) found.push(kept.update);
  }
  return found.length ? mergeMessages(list, found) : list;
}

/** A message.new frame's message, followed by the update kept for it, if any: the frame
 * tells how the message was stored, never anything newer than its translation. */
export function withKept(m, early) {
  const kept = early && m && m.id !== null && m.id !== undefined ? early.get(m.id) : undefined;
  return kept ? [m, kept.update] : [m];
}

export function lastMessageId(list) {
  let last = 0;
  for (const m of list || []) if (typeof m.id === 'number' && m.id > last) last = m.id;
  return last;
}

/** The dialog as shown: a separator wherever the session changes, then the messages. */
export function buildTimeline(messages, sessionsById) {
  const items = [];
  let current;
  for (const m of messages || []) {
    if (m.session !== null && m.session !== undefined && m.session !== current) {
      current = m.session;
      const s = sessionsById && (sessionsById.get ? sessionsById.get(m.session) : sessionsById[m.session]);
      items.push({ kind: 'separator', sessionId: m.session, session: s || null });
    }
    items.push({ kind: 'message', message: m });
  }
  return items;
}

/* ------------------------------------------------------------------ outbox */

/** Operator messages sent but not yet acknowledged. States: "queued" (waits for a
 * connection), "sent" (on the wire, awaiting its ack), "failed" (refused by the server:
 * only the operator's Retry sends it again). The client_id never changes, so a resend
 * stores nothing twice. */
export class Outbox {
  constructor() { this.items = new Map(); this.seq = 0; }
  add(item) {
    const entry = Object.assign({ state: 'queued', sentAt: 0, seq: ++this.seq }, item);
    this.items.set(entry.client_id, entry);
    return entry;
  }
  get(clientId) { return this.items.get(clientId) || null; }
  has(clientId) { return this.items.has(clientId); }
  markSent(clientId, now) {
    const it = this.items.get(clientId);
    if (it) { it.state = 'sent'; it.sentAt = now; }
    return it || null;
  }
  ack(clientId) {
    const it = this.items.get(clientId) || null;
    this.items.delete(clientId);
    return it;
  }
  fail(clientId) {
    const it = this.items.get(clientId);
    if (it) it.state = 'failed';
    return it || null;
  }
  requeue(clientId) {
    const it = this.items.get(clientId);
    if (it) it.state = 'queued';
    return it || null;
  }
  /** What to send again after a reconnect: everything not refused, oldest first. */
  toResend() {
    return Array.from(this.items.values())
      .filter(function (it) { return it.state !== 'failed'; })
      .sort(function (a, b) { return a.seq - b.seq; });
  }
  /** Sent long ago without an ack. */
  overdue(now, timeoutMs) {
    return Array.from(this.items.values()).filter(function (it) {
      return it.state === 'sent' && now - it.sentAt >= timeoutMs;
    });
  }
  forSession(sessionId) {
    return Array.from(this.items.values()).filter(function (it) { return it.session === sessionId; });
  }
  get size() { return this.items.size; }
}

/* ------------------------------------------------------------------ sessions */

export function upsertSession(map, session) {
  if (!session || session.id === undefined || session.id === null) return null;
  const merged = Object.assign({}, map.get(session.id) || {}, session);
  map.set(session.id, merged);
  return merged;
}

export function byTime(field, desc) {
  return function (a, b) {
    const ta = parseTime(a[field]) || 0;
    const tb = parseTime(b[field]) || 0;
    if (ta !== tb) return desc ? tb - ta : ta - tb;
    return desc ? b.id - a.id : a.id - b.id;
  };
}

/** The left column's lists, derived from every session known to the page. */
export function deriveLists(sessions, me) {
  const meId = me ? me.id : null;
  const supervised = new Set((me && me.supervised_groups) || []);
  const all = Array.from(sessions.values ? sessions.values() : sessions);
  const mine = all.filter(function (s) { return s.status === 'active' && s.operator === meId; })
    .sort(byTime('assigned_at', false));
  const closed = all.filter(function (s) { return s.status === 'closed' && s.operator === meId; })
    .sort(byTime('closed_at', true)).slice(0, RECENT_CLOSED);
  const queued = new Map();
  for (const s of all) {
    if (s.status !== 'queued') continue;
    if (!queued.has(s.group)) queued.set(s.group, []);
    queued.get(s.group).push(s);
  }
  for (const list of queued.values()) {
    list.sort(function (a, b) {
      if ((b.priority || 0) !== (a.priority || 0)) return (b.priority || 0) - (a.priority || 0);
      return byTime('queued_at', false)(a, b);
    });
  }
  // the supervisors' live view: every waiting chat of their groups (longest wait
  // first), then every active one (oldest assignment first)
  const teamQueued = all.filter(function (s) { return s.status === 'queued' && supervised.has(s.group); })
    .sort(byTime('queued_at', false));
  const teamActive = all.filter(function (s) { return s.status === 'active' && supervised.has(s.group); })
    .sort(byTime('assigned_at', false));
  return { mine: mine, closed: closed, queued: queued, team: teamQueued.concat(teamActive) };
}

/** Operators a chat may be transferred to: others than me, online with the inbox
 * open (an offline or disconnected colleague would never see it), most free first. */
export function transferTargets(operators, meId) {
  return (operators || []).filter(function (o) {
    return o && o.id !== meId && o.status === 'online' && o.connected !== false;
  }).sort(function (a, b) { return (a.active_sessions || 0) - (b.active_sessions || 0) || a.id - b.id; });
}

/** What the page's address asks for: ``?view=team`` (the supervisors' live view) and
 * ``?session=<id>`` (open that chat), or the older ``#session-<id>``. */
export function pageRequest(search, hash) {
  const out = { view: null, session: null };
  const params = {};
  for (const part of String(search || '').replace(/^\?/, '').split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0) params[part.slice(0, eq)] = part.slice(eq + 1);
  }
  if (params.view === 'team') out.view = 'team';
  const raw = params.session;
  if (raw && /^\d{1,18}$/.test(raw)) out.session = Number(raw);
  const m = /^#session-(\d{1,18})$/.exec(hash || '');
  if (out.session === null && m) out.session = Number(m[1]);
  return out;
}

export function unreadTotal(sessions) {
  let n = 0;
  for (const s of sessions || []) n += Math.max(0, Number(s.unread_count) || 0);
  return n;
}

export function titleWithUnread(title, n) {
  return n > 0 ? '(' + n + ') ' + title : title;
}

/** The chat after (dir 1) or before (dir -1) the current one, wrapping around. */
export function nextChatId(ids, currentId, dir) {
  if (!ids.length) return null;
  const at = ids.indexOf(currentId);
  if (at === -1) return dir > 0 ? ids[0] : ids[ids.length - 1];
  return ids[(at + (dir > 0 ? 1 : -1) + ids.length) % ids.length];
}

/* ------------------------------------------------------------------ canned responses */

/** The shortcut prefix being typed ("/hel" gives "hel"), or null when the composer is not
 * asking for a canned response. */
export function cannedQuery(text) {
  const m = /^\/([^\s/]*)$/.exec(String(text || ''));
  return m ? m[1] : null;
}

export function matchCanned(items, query) {
  const q = String(query || '').toLowerCase();
  const scored = [];
  for (const it of items || []) {
    const sc = String(it.shortcut || '').toLowerCase();
    const title = String(it.title || '').toLowerCase();
    let rank;
    if (sc === q) rank = 0;
    else if (sc.startsWith(q)) rank = 1;
    else if (q && title.includes(q)) rank = 2;
    else continue;
    scored.push({ it: it, rank: rank, sc: sc });
  }
  scored.sort(function (a, b) { return a.rank - b.rank || (a.sc < b.sc ? -1 : a.sc > b.sc ? 1 : 0); });
  return scored.slice(0, CANNED_LIMIT).map(function (s) { return s.it; });
}

/* ------------------------------------------------------------------ canned placeholders */

/** The placeholder names of `names` (e.g. a canned response's unfilled ones) whose
 * "{name}" is still in the text: while any is, the reply must not be sent. */
export function unfilledIn(text, names) {
  const t = String(text || '');
  return (names || []).filter(function (n) { return t.indexOf('{' + n + '}') !== -1; });
}

/** Where the first of those placeholders is in the text, [start, end], or null: the
 * composer selects it so that typing replaces it. */
export function firstUnfilledRange(text, names) {
  const t = String(text || '');
  let best = null;
  for (const n of names || []) {
    const at = t.indexOf('{' + n + '}');
    if (at !== -1 && (best === null || at < best[0])) best = [at, at + n.length + 2];
  }
  return best;
}

/* ------------------------------------------------------------------ the visitor's context */

/** The customer's name as the operator sees it: "Customer #N" in the operator's own
 * language while nothing identifies them (frames pushed by the server are worded in
 * the server's default language), else the name the server gives. */
export function contactName(s, t) {
  const tt = t || DEFAULTS;
  if (!s) return tt.customer;
  if (s.contact_anonymous && s.contact !== null && s.contact !== undefined) return fmt(tt.customerN, { n: s.contact });
  return s.contact_name || tt.customer;
}

/** The visitor's current local time, "14:05 (Europe/Riga)", from their browser's time
 * zone or, failing that, its UTC offset in minutes; '' when neither is known. */
export function visitorLocalTime(nowMs, timeZone, offsetMin, lang) {
  const opts = { hour: '2-digit', minute: '2-digit' };
  if (timeZone) {
    try {
      const f = new Intl.DateTimeFormat(lang || 'en', Object.assign({ timeZone: String(timeZone) }, opts));
      return f.format(new Date(nowMs)) + ' (' + timeZone + ')';
    } catch (e) { /* unknown to this browser: try the offset */ }
  }
  if (typeof offsetMin === 'number' && isFinite(offsetMin)) {
    const f = new Intl.DateTimeFormat(lang || 'en', Object.assign({ timeZone: 'UTC' }, opts));
    const sign = offsetMin < 0 ? '-' : '+';
    const abs = Math.abs(offsetMin);
    const hhmm = String(Math.floor(abs / 60)).padStart(2, '0') + ':' + String(abs % 60).padStart(2, '0');
    return f.format(new Date(nowMs + offsetMin * 60000)) + ' (UTC' + sign + hhmm + ')';
  }
  return '';
}

/** A page address as a person reads it: host and path, without the scheme, cut to max. */
export function shortUrl(url, max) {
  const limit = max || 60;
  const t = String(url || '').replace(/^https?:\/\//i, '').replace(/\/$/, '');
  return t.length > limit ? t.slice(0, limit - 1) + '…' : t;
}

/* ------------------------------------------------------------------ network helpers */

export function isImage(att) {
  return !!att && /^image\/(png|jpe?g|gif|webp|bmp|avif)$/i.test(String(att.content_type || ''));
}

const SIZE_UNITS = { en: ['B', 'KB', 'MB', 'GB'], ru: ['Б', 'КБ', 'МБ', 'ГБ'] };

export function formatSize(bytes, lang) {
  const units = SIZE_UNITS[baseLang(lang)] || SIZE_UNITS.en;
  let n = Math.max(0, Number(bytes) || 0);
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  const text = i === 0 ? String(Math.round(n)) : (n < 10 ? n.toFixed(1) : String(Math.round(n)));
  return (baseLang(lang) === 'ru' ? text.replace('.', ',') : text) + ' ' + units[i];
}

/** What to tell the operator about a failed API call, saying what to do next.
 * ctx: {action: "take"|"send"|"upload"|..., limit: n or null, active: n}. */
export function apiErrorText(status, body, ctx, t) {
  const s = Object.assign({}, DEFAULTS, t || {});
  const c = ctx || {};
  if (!status) return s.err_network;
  if (status === 400) return fmt(s.err_invalid, { detail: flattenErrors(body) || '?' });
  if (status === 403) return s.err_forbidden;
  if (status === 404) return s.err_notFound;
  if (status === 409) {
    if (body && body.code === 'window_closed') return s.err_windowClosed;
    if (c.action === 'take') {
      if (c.limit !== null && c.limit !== undefined && c.active >= c.limit) return fmt(s.err_limit, { n: c.limit });
      return s.err_taken;
    }
    if (c.action === 'send' || c.action === 'upload') return s.err_notYours;
    // a refused transfer says why (nobody else there is available, ...)
    if (c.action === 'transfer' && body && typeof body.detail === 'string' && body.detail) return body.detail;
    return s.err_conflict;
  }
  if (status === 413) return s.err_tooLarge;
  if (status === 429) return s.err_throttled;
  return s.err_server;
}

/* ------------------------------------------------------------------ notes, search, labels */

const SEARCH_MIN = 2;
const SEARCH_MAX = 100;

/** The text to search for, or null when it is too short or too long to send. */
export function searchText(raw) {
  const text = String(raw || '').trim();
  return text.length >= SEARCH_MIN && text.length <= SEARCH_MAX ? text : null;
}

/** The sessions/ query of the filtered list (open chats only), or null: no filter. */
export function filterParams(filter) {
  const f = filter || {};
  const out = {};
  if (f.assignee === 'me' || f.assignee === 'none') out.assignee = f.assignee;
  if (f.label) out.label = Number(f.label);
  if (!Object.keys(out).length) return null;
  out.open = 'true';
  return out;
}

/** Whether a session belongs in the filtered list (for live updates of it). */
export function matchesFilter(s, filter, meId) {
  if (!s || s.status === 'closed' || !filterParams(filter)) return false;
  const f = filter || {};
  if (f.assignee === 'me' && s.operator !== meId) return false;
  if (f.assignee === 'none' && s.operator !== null && s.operator !== undefined) return false;
  if (f.label && !(s.labels || []).some(function (l) { return l.id === Number(f.label); })) return false;
  return true;
}

/** The labels not yet on a session, in the order given. */
export function labelsToAdd(all, onSession) {
  const have = new Set((onSession || []).map(function (l) { return l.id; }));
  return (all || []).filter(function (l) { return !have.has(l.id); });
}

/** A label's colour when it is #rrggbb, else a neutral grey. */
export function labelColor(c) {
  return /^#[0-9a-fA-F]{6}$/.test(String(c || '')) ? c : '#64748b';
}

/* ---------------------------------------------------------------- delivery status */

// How far a message to the contact on an external channel got; it only moves forward,
// except that an operator's retry sends a failed one back to pending.
const DELIVERY_MARKS = { pending: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '!' };
const DELIVERY_RANK = { pending: 0, sent: 1, failed: 2, delivered: 2, read: 3 };

/** The small mark shown for a delivery status ('' for none: the widget, notes...). */
export function deliveryMark(status) {
  return Object.prototype.hasOwnProperty.call(DELIVERY_MARKS, status) ? DELIVERY_MARKS[status] : '';
}

/** Whether a reported status replaces the one shown (never backwards, but a failed
 * message that is retried goes back to pending). */
export function deliveryAdvances(shown, reported) {
  if (!(reported in DELIVERY_RANK)) return false;
  if (!(shown in DELIVERY_RANK)) return true;
  if (shown === 'failed') return reported === 'pending';
  if (reported === 'failed') return shown === 'pending' || shown === 'sent';
  return DELIVERY_RANK[reported] > DELIVERY_RANK[shown];
}
