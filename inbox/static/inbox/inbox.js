/* The operator inbox. Plain JavaScript, no dependencies and no build step.
 *
 * The first half is pure logic (message merging, the outbox of unacknowledged messages,
 * SLA colours, wait formatting, canned-response matching, reconnect backoff...): it also
 * runs under Node, where tests/inboxjs/ exercise it. The second half drives the page and
 * only starts when there is a document.
 *
 * Never put server data into HTML: every text goes through textContent, and URLs from the
 * server are used only when they are http(s) or relative (safeUrl). */
(function () {
  'use strict';

  const BACKOFF_BASE_MS = 500;
  const BACKOFF_MAX_MS = 30000;
  const PING_EVERY_MS = 20000;
  const SILENCE_LIMIT_MS = 50000; // no frame at all for this long: the socket is dead
  const TYPING_EVERY_MS = 2000;
  const RESEND_UNAVAILABLE_MS = 1000;
  const TYPING_SHOW_MS = 5000;
  const ACK_TIMEOUT_MS = 15000; // an unacked socket message is re-posted over HTTP
  const RECENT_CLOSED = 10;
  const DEFAULT_SLA_S = 60;
  const CANNED_LIMIT = 8;

  /* ------------------------------------------------------------------ strings */

  // English defaults. The page passes the same keys translated by Django (the
  // "inbox-strings" block of inbox/inbox.html), so Russian comes from the one .po file.
  const DEFAULTS = {
    inbox: 'Inbox',
    noChats: 'No chats assigned to you.',
    noQueue: 'Nobody is waiting.',
    noClosed: 'No closed chats yet.',
    noTeam: 'No waiting or active chats in the groups you supervise.',
    noTeamGroups: 'You supervise no group, so there is no team view.',
    alert_no_answer: '{operator} did not answer {name} in time: the chat goes to the next available operator.',
    alert_operator_offline: '{operator} went offline: the chat with {name} goes back to the queue.',
    alert_returned: 'Nobody else is available: the chat with {name} went back to {operator}.',
    alert_kept: 'Nobody else is available: the chat with {name} stays with {operator}, who has not answered yet.',
    waitingN: 'Waiting: {n}',
    longestWait: 'longest {t}',
    unreadN: 'Unread: {n}',
    take: 'Take',
    showQueued: 'Show the waiting chats',
    you: 'You',
    customer: 'Customer',
    system: 'System',
    typing: 'typing…',
    internalNote: 'Internal note',
    sending: 'Sending…',
    notSent: 'Not sent',
    retry: 'Retry',
    uploading: 'Uploading {name}…',
    sessionN: 'Session #{id}',
    noGroup: 'No group',
    unassigned: 'Unassigned',
    status_bot: 'Bot',
    status_queued: 'Queued',
    status_active: 'Active',
    status_closed: 'Closed',
    reason_resolved: 'Resolved',
    reason_transferred: 'Transferred',
    reason_abandoned: 'Abandoned',
    reason_timeout: 'Timed out',
    reason_merged: 'Merged',
    op_online: 'Online',
    op_away: 'Away',
    op_offline: 'Offline',
    readOnly: 'Read only',
    roNotMine: 'Read only: this chat is handled by {name}.',
    roQueued: 'Take this chat to reply.',
    roClosed: 'This chat is closed. A new message from the customer opens a new session.',
    roBot: 'A bot is handling this chat.',
    placeholder: 'Type a reply. Enter sends, Shift+Enter adds a line, / inserts a canned response.',
    connecting: 'Connecting…',
    reconnecting: 'Reconnecting…',
    offlineNet: 'No network. Waiting for it to come back…',
    notOperator: 'Your account is not set up as an operator. Ask an administrator to add you to a group.',
    err_limit: 'You already have {n} chats, your limit. Close one to take another.',
    err_taken: 'Another operator has already taken this chat.',
    err_notYours: 'This chat is no longer yours or is closed, so the message was not sent.',
    err_conflict: "This cannot be done in the chat's current state. The lists were refreshed; check and try again.",
    err_notFound: 'This is no longer available to you. The lists were refreshed.',
    err_forbidden: 'You are not allowed to do this. Ask an administrator if you need it.',
    err_tooLarge: 'The file is too large. Send a smaller file or a link to it.',
    err_throttled: 'Too many requests. Wait a moment and try again.',
    err_server: 'The server had a problem. Try again in a moment; if it keeps happening, tell an administrator.',
    err_network: 'The server cannot be reached. Check your connection; the inbox catches up when it is back.',
    err_invalid: 'Please correct: {detail}',
    err_socket: 'The server refused the last action: {detail}',
    transferred: 'The chat was transferred.',
    closedOk: 'The chat was closed.',
    takenOk: 'The chat is yours now.',
    saved: 'Saved.',
    newChat: 'New chat: {name}',
    newMessage: 'New message from {name}',
    attachment: 'Attachment',
    name: 'Name',
    email: 'E-mail',
    phone: 'Phone',
    clickToEdit: 'Click to edit',
    editHint: 'Enter saves, Escape cancels',
    notSet: 'Not set',
    identities: 'Identities',
    attributes: 'Attributes',
    earlierSessions: 'Earlier sessions',
    noEarlier: 'No earlier sessions.',
    leads: 'Leads',
    noLeads: 'No leads yet.',
    leadCreated: 'Lead created.',
    leadOpen: 'Open the lead',
    leadMe: 'Me',
    leadTitleRequired: 'Give the lead a title.',
    chooseGroup: 'Choose a group',
    chooseOperator: 'Choose an operator',
    noOperators: 'No other operators in this group.',
    chooseTarget: 'Choose a group or an operator to transfer to.',
    ch_widget: 'Website',
    ch_telegram: 'Telegram',
    ch_whatsapp: 'WhatsApp',
    ch_email: 'E-mail',
    ch_api: 'API',
    // canned placeholders and the visitor's context (contact card)
    unfilledNote: 'Fill in or remove before sending:',
    unfilledBlocked: 'Not sent: {list} must be filled in or removed first.',
    widgetVisitor: 'Website visitor',
    customerN: 'Customer #{n}',
    visitorSec: 'Visitor',
    vPage: 'Page',
    vReferrer: 'Came from',
    vDirect: 'Direct visit',
    vBrowser: 'Browser',
    vLanguage: 'Language',
    vLocalTime: 'Local time',
    sameAs: 'Possibly the same person as {name}',
    reasonSame_email: 'same e-mail',
    reasonSame_phone: 'same phone',
    merge: 'Merge',
    dismiss: 'Dismiss',
    mergedOk: 'The contacts were merged.',
    notePlaceholder: 'Write a private note. Only your colleagues see it, never the customer.',
    noteHint: 'Note mode: this is not sent to the customer. Alt+N switches back to replying.',
    addNote: 'Add note',
    searchResults: 'Search results',
    filtered: 'Filtered chats',
    nothingFound: 'Nothing found.',
    noConversation: 'No chat you can open',
    contactHit: 'Contact',
    addLabel: 'Label',
    removeLabel: 'Remove the label {name}',
  };

  function fmt(template, params) {
    return String(template).replace(/\{(\w+)\}/g, function (whole, key) {
      return params && params[key] !== undefined && params[key] !== null ? String(params[key]) : whole;
    });
  }

  function baseLang(lang) {
    return String(lang || 'en').toLowerCase().split(/[-_]/)[0];
  }

  /* ------------------------------------------------------------------ time */

  const WAIT_UNITS = {
    en: { lt: '<1 min', min: 'min', h: 'h', d: 'd' },
    ru: { lt: '<1 мин', min: 'мин', h: 'ч', d: 'д' },
  };

  /** A compact waiting time: "<1 min", "2 min", "1 h 5 min", "2 d 3 h" (or in Russian). */
  function formatWait(seconds, lang) {
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

  function parseTime(iso) {
    if (!iso) return null;
    const t = Date.parse(iso);
    return isNaN(t) ? null : t;
  }

  /** Since when (ms) the contact has been waiting for a reply, or null: only while the
   * session is open and its last message is the contact's. */
  function waitingSince(session) {
    if (!session || session.status === 'closed') return null;
    const last = session.last_message;
    if (!last || last.sender_type !== 'contact') return null;
    return parseTime(session.last_contact_message_at) || parseTime(last.created_at);
  }

  /** "ok" under half the SLA target, "warn" under the target, "late" from it on. */
  function slaLevel(waitSeconds, targetSeconds) {
    const target = Number(targetSeconds) > 0 ? Number(targetSeconds) : DEFAULT_SLA_S;
    const ratio = Math.max(0, Number(waitSeconds) || 0) / target;
    if (ratio < 0.5) return 'ok';
    if (ratio < 1) return 'warn';
    return 'late';
  }

  /** {text, level} for a session's live waiting label, or null when nobody waits. */
  function waitBadge(session, now, lang) {
    const since = waitingSince(session);
    if (since === null) return null;
    const seconds = Math.max(0, (now - since) / 1000);
    return { text: formatWait(seconds, lang), level: slaLevel(seconds, session.sla_target_s) };
  }

  /* ------------------------------------------------------------------ messages */

  function messageKey(m) {
    return m.id !== null && m.id !== undefined ? 'i' + m.id : 'c' + m.client_id;
  }

  /** Merges incoming messages into a list: one entry per id and per client_id (a server
   * copy replaces the local pending one), ordered by id, pending ones last in the order
   * they were written. Returns a new array. */
  function mergeMessages(list, incoming) {
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

  function lastMessageId(list) {
    let last = 0;
    for (const m of list || []) if (typeof m.id === 'number' && m.id > last) last = m.id;
    return last;
  }

  /** The dialog as shown: a separator wherever the session changes, then the messages. */
  function buildTimeline(messages, sessionsById) {
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
  class Outbox {
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

  function upsertSession(map, session) {
    if (!session || session.id === undefined || session.id === null) return null;
    const merged = Object.assign({}, map.get(session.id) || {}, session);
    map.set(session.id, merged);
    return merged;
  }

  function byTime(field, desc) {
    return function (a, b) {
      const ta = parseTime(a[field]) || 0;
      const tb = parseTime(b[field]) || 0;
      if (ta !== tb) return desc ? tb - ta : ta - tb;
      return desc ? b.id - a.id : a.id - b.id;
    };
  }

  /** The left column's lists, derived from every session known to the page. */
  function deriveLists(sessions, me) {
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
  function transferTargets(operators, meId) {
    return (operators || []).filter(function (o) {
      return o && o.id !== meId && o.status === 'online' && o.connected !== false;
    }).sort(function (a, b) { return (a.active_sessions || 0) - (b.active_sessions || 0) || a.id - b.id; });
  }

  /** What the page's address asks for: ``?view=team`` (the supervisors' live view) and
   * ``?session=<id>`` (open that chat), or the older ``#session-<id>``. */
  function pageRequest(search, hash) {
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

  function unreadTotal(sessions) {
    let n = 0;
    for (const s of sessions || []) n += Math.max(0, Number(s.unread_count) || 0);
    return n;
  }

  function titleWithUnread(title, n) {
    return n > 0 ? '(' + n + ') ' + title : title;
  }

  /** The chat after (dir 1) or before (dir -1) the current one, wrapping around. */
  function nextChatId(ids, currentId, dir) {
    if (!ids.length) return null;
    const at = ids.indexOf(currentId);
    if (at === -1) return dir > 0 ? ids[0] : ids[ids.length - 1];
    return ids[(at + (dir > 0 ? 1 : -1) + ids.length) % ids.length];
  }

  /* ------------------------------------------------------------------ canned responses */

  /** The shortcut prefix being typed ("/hel" gives "hel"), or null when the composer is not
   * asking for a canned response. */
  function cannedQuery(text) {
    const m = /^\/([^\s/]*)$/.exec(String(text || ''));
    return m ? m[1] : null;
  }

  function matchCanned(items, query) {
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
  function unfilledIn(text, names) {
    const t = String(text || '');
    return (names || []).filter(function (n) { return t.indexOf('{' + n + '}') !== -1; });
  }

  /** Where the first of those placeholders is in the text, [start, end], or null: the
   * composer selects it so that typing replaces it. */
  function firstUnfilledRange(text, names) {
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
  function contactName(s, t) {
    const tt = t || DEFAULTS;
    if (!s) return tt.customer;
    if (s.contact_anonymous && s.contact !== null && s.contact !== undefined) return fmt(tt.customerN, { n: s.contact });
    return s.contact_name || tt.customer;
  }

  /** The visitor's current local time, "14:05 (Europe/Riga)", from their browser's time
   * zone or, failing that, its UTC offset in minutes; '' when neither is known. */
  function visitorLocalTime(nowMs, timeZone, offsetMin, lang) {
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
  function shortUrl(url, max) {
    const limit = max || 60;
    const t = String(url || '').replace(/^https?:\/\//i, '').replace(/\/$/, '');
    return t.length > limit ? t.slice(0, limit - 1) + '…' : t;
  }

  /* ------------------------------------------------------------------ network helpers */

  /** Reconnect delay: 0.5 s doubling up to 30 s, plus up to 20% random jitter. */
  function backoffDelay(attempt, random) {
    const rnd = typeof random === 'function' ? random() : Math.random();
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * Math.pow(2, Math.max(0, attempt)));
    return Math.round(base + base * 0.2 * rnd);
  }

  /** Allows one call per key every ms milliseconds (the typing signal). */
  function makeThrottle(ms, clock) {
    const last = new Map();
    const now = clock || Date.now;
    return function (key) {
      const t = now();
      if (last.has(key) && t - last.get(key) < ms) return false;
      last.set(key, t);
      return true;
    };
  }

  /** The URL when it is http(s) or relative, else null (javascript:, data:...). Browsers
   * ignore tabs and newlines inside URLs, so they are removed before the check. */
  function safeUrl(url) {
    if (typeof url !== 'string') return null;
    const clean = url.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
    if (!clean) return null;
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(clean);
    if (scheme) return /^https?$/i.test(scheme[1]) ? clean : null;
    if (/^[\\/][\\]/.test(clean)) return null;
    return clean;
  }

  function isImage(att) {
    return !!att && /^image\/(png|jpe?g|gif|webp|bmp|avif)$/i.test(String(att.content_type || ''));
  }

  const SIZE_UNITS = { en: ['B', 'KB', 'MB', 'GB'], ru: ['Б', 'КБ', 'МБ', 'ГБ'] };

  function formatSize(bytes, lang) {
    const units = SIZE_UNITS[baseLang(lang)] || SIZE_UNITS.en;
    let n = Math.max(0, Number(bytes) || 0);
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
    const text = i === 0 ? String(Math.round(n)) : (n < 10 ? n.toFixed(1) : String(Math.round(n)));
    return (baseLang(lang) === 'ru' ? text.replace('.', ',') : text) + ' ' + units[i];
  }

  /** DRF's 400 body ({"field": ["message"]} or {"detail": "..."}) as one line. */
  function flattenErrors(body) {
    if (!body) return '';
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

  /** What to tell the operator about a failed API call, saying what to do next.
   * ctx: {action: "take"|"send"|"upload"|..., limit: n or null, active: n}. */
  function apiErrorText(status, body, ctx, t) {
    const s = Object.assign({}, DEFAULTS, t || {});
    const c = ctx || {};
    if (!status) return s.err_network;
    if (status === 400) return fmt(s.err_invalid, { detail: flattenErrors(body) || '?' });
    if (status === 403) return s.err_forbidden;
    if (status === 404) return s.err_notFound;
    if (status === 409) {
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

  function uuid() {
    const c = typeof crypto !== 'undefined' ? crypto : null;
    if (c && typeof c.randomUUID === 'function') return c.randomUUID();
    const b = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(b);
    else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, function (x) { return x.toString(16).padStart(2, '0'); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function results(data) {
    if (Array.isArray(data)) return data;
    return (data && Array.isArray(data.results)) ? data.results : [];
  }

  /* ------------------------------------------------------------------ notes, search, labels */

  const SEARCH_MIN = 2;
  const SEARCH_MAX = 100;

  /** The text to search for, or null when it is too short or too long to send. */
  function searchText(raw) {
    const text = String(raw || '').trim();
    return text.length >= SEARCH_MIN && text.length <= SEARCH_MAX ? text : null;
  }

  /** The sessions/ query of the filtered list (open chats only), or null: no filter. */
  function filterParams(filter) {
    const f = filter || {};
    const out = {};
    if (f.assignee === 'me' || f.assignee === 'none') out.assignee = f.assignee;
    if (f.label) out.label = Number(f.label);
    if (!Object.keys(out).length) return null;
    out.open = 'true';
    return out;
  }

  /** Whether a session belongs in the filtered list (for live updates of it). */
  function matchesFilter(s, filter, meId) {
    if (!s || s.status === 'closed' || !filterParams(filter)) return false;
    const f = filter || {};
    if (f.assignee === 'me' && s.operator !== meId) return false;
    if (f.assignee === 'none' && s.operator !== null && s.operator !== undefined) return false;
    if (f.label && !(s.labels || []).some(function (l) { return l.id === Number(f.label); })) return false;
    return true;
  }

  /** The labels not yet on a session, in the order given. */
  function labelsToAdd(all, onSession) {
    const have = new Set((onSession || []).map(function (l) { return l.id; }));
    return (all || []).filter(function (l) { return !have.has(l.id); });
  }

  /** A label's colour when it is #rrggbb, else a neutral grey. */
  function labelColor(c) {
    return /^#[0-9a-fA-F]{6}$/.test(String(c || '')) ? c : '#64748b';
  }

  const exported = {
    DEFAULTS: DEFAULTS, fmt: fmt, formatWait: formatWait, waitingSince: waitingSince, slaLevel: slaLevel,
    waitBadge: waitBadge, messageKey: messageKey, mergeMessages: mergeMessages,
    lastMessageId: lastMessageId, buildTimeline: buildTimeline, Outbox: Outbox,
    upsertSession: upsertSession, deriveLists: deriveLists, unreadTotal: unreadTotal,
    transferTargets: transferTargets, pageRequest: pageRequest,
    titleWithUnread: titleWithUnread, nextChatId: nextChatId, cannedQuery: cannedQuery,
    matchCanned: matchCanned, backoffDelay: backoffDelay, makeThrottle: makeThrottle,
    safeUrl: safeUrl, isImage: isImage, formatSize: formatSize, flattenErrors: flattenErrors,
    apiErrorText: apiErrorText, uuid: uuid, results: results,
    unfilledIn: unfilledIn, firstUnfilledRange: firstUnfilledRange,
    visitorLocalTime: visitorLocalTime, shortUrl: shortUrl, contactName: contactName,
    searchText: searchText, filterParams: filterParams, matchesFilter: matchesFilter,
    labelsToAdd: labelsToAdd, labelColor: labelColor,
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

    const BOOT = Object.assign({ api_base: '/api/v1/', socket_path: '/ws/operator/', language: 'en' }, readJson('inbox-bootstrap'));
    const T = Object.assign({}, DEFAULTS, readJson('inbox-strings'));
    const LANG = baseLang(BOOT.language);
    const LOGIN_URL = '/login/?next=/inbox/';

    /* ---------------------------------------------------------------- DOM helpers */

    /** h('div', {class: 'x', text: 'y', title: 'z', onclick: fn}, child...) */
    function h(tag, attrs) {
      const el = doc.createElement(tag);
      const a = attrs || {};
      for (const key of Object.keys(a)) {
        const v = a[key];
        if (v === null || v === undefined || v === false) continue;
        if (key === 'class') el.className = v;
        else if (key === 'text') el.textContent = String(v);
        else if (key === 'dataset') Object.assign(el.dataset, v);
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

    function isEditable(el) {
      if (!el) return false;
      const tag = el.tagName;
      return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
    }

    const timeFmt = new Intl.DateTimeFormat(LANG, { hour: '2-digit', minute: '2-digit' });
    const dateTimeFmt = new Intl.DateTimeFormat(LANG, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
    function when(iso) {
      const t = parseTime(iso);
      if (t === null) return '';
      const d = new Date(t);
      return d.toDateString() === new Date().toDateString() ? timeFmt.format(d) : dateTimeFmt.format(d);
    }

    /* ---------------------------------------------------------------- state */

    const S = {
      me: null,
      sessions: new Map(),
      queues: new Map(), // group id -> {group, name, size, oldest_queued_at}
      expanded: new Set(),
      groups: null, // for the transfer dialog, loaded on first use
      open: null, // {token, sessionId, dialogId, contactId, messages, dialogSessions, contact}
      outbox: new Outbox(),
      socket: null,
      ready: false, // the socket said hello
      attempt: 0,
      everConnected: false,
      lastFrameAt: 0,
      typingUntil: 0,
      cannedItems: [],
      cannedIndex: 0,
      openSeq: 0,
    };
    const typingThrottle = makeThrottle(TYPING_EVERY_MS);

    /* ---------------------------------------------------------------- API */

    class ApiError extends Error {
      constructor(status, body) { super('API ' + status); this.status = status; this.body = body; }
    }

    function csrfToken() {
      const m = /(?:^|;\s*)csrftoken=([^;]+)/.exec(doc.cookie || '');
      return m ? decodeURIComponent(m[1]) : BOOT.csrf_token || '';
    }

    function toLogin() { win.location.assign(LOGIN_URL); }

    async function api(method, path, body) {
      const url = /^(https?:)?\//.test(path) ? path : BOOT.api_base + path;
      const headers = { Accept: 'application/json' };
      let payload;
      if (typeof FormData !== 'undefined' && body instanceof FormData) payload = body;
      else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
      if (method !== 'GET') headers['X-CSRFToken'] = csrfToken();
      let res;
      try {
        res = await win.fetch(url, { method: method, headers: headers, body: payload, credentials: 'same-origin' });
      } catch (e) {
        throw new ApiError(0, null);
      }
      let data = null;
      const text = await res.text().catch(function () { return ''; });
      if (text) { try { data = JSON.parse(text); } catch (e) { data = null; } }
      if (res.status === 401) { toLogin(); throw new ApiError(401, data); }
      if (!res.ok) throw new ApiError(res.status, data);
      return data;
    }

    function q(params) {
      const parts = [];
      for (const k of Object.keys(params)) {
        if (params[k] !== null && params[k] !== undefined) parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(params[k]));
      }
      return parts.length ? '?' + parts.join('&') : '';
    }

    function errorText(err, action) {
      const mine = deriveLists(S.sessions, S.me).mine.length;
      const limit = S.me && S.me.max_sessions !== null && S.me.max_sessions !== undefined ? S.me.max_sessions : null;
      return apiErrorText(err && err.status, err && err.body, { action: action, limit: limit, active: mine }, T);
    }

    function report(err, action) {
      if (err && err.status === 401) return;
      if (!(err instanceof ApiError)) { toast(T.err_server, 'error'); if (win.console) win.console.error(err); return; }
      toast(errorText(err, action), 'error');
      // an action refused because the page was stale: refresh what it shows (never for a
      // failed load itself, or a missing object would reload forever)
      const isLoad = action === 'load' || action === 'open' || action === 'contact';
      if (!isLoad && err && (err.status === 404 || err.status === 409)) resync();
    }

    /* ---------------------------------------------------------------- toasts */

    function toast(text, kind, detail) {
      const box = $('toasts');
      if (!box) return;
      const el = h('div', { class: 'toast ' + (kind || 'info'), role: kind === 'error' ? 'alert' : 'status' },
        h('span', { class: 'toast-text', text: text }),
        detail ? h('span', { class: 'toast-detail', text: detail }) : null,
        h('button', { type: 'button', class: 'toast-x', 'aria-label': '×', text: '×', onclick: function () { el.remove(); } }));
      box.append(el);
      while (box.children.length > 4) box.firstElementChild.remove();
      win.setTimeout(function () { el.remove(); }, kind === 'error' ? 9000 : 3500);
    }

    /* ---------------------------------------------------------------- loading */

    /** Replaces the sessions a list covers with a fresh answer from the server. */
    function replaceWhere(predicate, fresh) {
      const ids = new Set(fresh.map(function (s) { return s.id; }));
      for (const [id, s] of Array.from(S.sessions)) {
        if (!ids.has(id) && predicate(s) && !(S.open && S.open.sessionId === id)) S.sessions.delete(id);
      }
      for (const s of fresh) upsertSession(S.sessions, s);
    }

    async function loadMe() {
      try {
        S.me = await api('GET', 'operators/me/');
      } catch (err) {
        if (err.status === 404 || err.status === 403) { showBanner(T.notOperator); return false; }
        throw err;
      }
      renderStatus();
      return true;
    }

    async function loadMine() {
      const data = await api('GET', 'sessions/' + q({ status: 'active', operator: S.me.id, page_size: 100 }));
      const meId = S.me.id;
      replaceWhere(function (s) { return s.status === 'active' && s.operator === meId; }, results(data));
    }

    async function loadClosed() {
      const data = await api('GET', 'sessions/' + q({ status: 'closed', operator: S.me.id, ordering: '-closed_at', page_size: RECENT_CLOSED }));
      const meId = S.me.id;
      replaceWhere(function (s) { return s.status === 'closed' && s.operator === meId; }, results(data));
    }

    async function loadQueues() {
      const data = await api('GET', 'queues/');
      S.queues = new Map();
      for (const row of results(data)) S.queues.set(row.group, row);
      await Promise.all(Array.from(S.expanded).map(loadQueued));
    }

    async function loadQueued(groupId) {
      const data = await api('GET', 'sessions/' + q({ status: 'queued', group: groupId, page_size: 100 }));
      replaceWhere(function (s) { return s.status === 'queued' && s.group === groupId; }, results(data));
    }

    async function loadTeam() {
      const groups = (S.me && S.me.supervised_groups) || [];
      await Promise.all(groups.map(loadTeamGroup));
    }

    /** Every waiting and active chat of one supervised group. */
    async function loadTeamGroup(g) {
      await Promise.all(['queued', 'active'].map(async function (status) {
        const data = await api('GET', 'sessions/' + q({ group: g, status: status, page_size: 200 }));
        replaceWhere(function (s) { return s.status === status && s.group === g; }, results(data));
      }));
    }

    function supervises(groupId) {
      return !!(S.me && S.me.supervised_groups && S.me.supervised_groups.indexOf(groupId) !== -1);
    }

    let syncing = null;
    let syncAgain = false;
    /** Refetches everything the page shows; called on load and after every reconnect. */
    function resync() {
      if (syncing) { syncAgain = true; return syncing; }
      syncing = (async function () {
        try {
          if (!(await loadMe())) return;
          const jobs = [loadMine(), loadClosed(), loadQueues(), loadTeam()];
          const outcome = await Promise.allSettled(jobs);
          const failed = outcome.find(function (o) { return o.status === 'rejected'; });
          if (failed) report(failed.reason, 'load');
          if (S.open) await refreshOpen();
          S.ready = true;
          render();
        } catch (err) {
          report(err, 'load');
        } finally {
          syncing = null;
          if (syncAgain) { syncAgain = false; resync(); }
        }
      })();
      return syncing;
    }

    /* ---------------------------------------------------------------- the socket */

    let reconnectTimer = null;
    let pingTimer = null;

    function socketReady() {
      return !!(S.socket && S.socket.readyState === 1 && S.ready);
    }

    function connect() {
      win.clearTimeout(reconnectTimer);
      reconnectTimer = null;
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
      S.ready = false;
      ws.onopen = function () { S.lastFrameAt = Date.now(); startPing(); };
      ws.onmessage = function (ev) {
        S.lastFrameAt = Date.now();
        let msg;
        try { msg = JSON.parse(ev.data); } catch (e) { return; }
        if (msg && typeof msg === 'object') handleEvent(msg);
      };
      ws.onclose = function (ev) {
        if (S.socket !== ws) return;
        stopPing();
        S.socket = null;
        S.ready = false;
        if (ev.code === 4401) { toLogin(); return; }
        setConn(win.navigator.onLine === false ? 'offline' : 'reconnecting');
        scheduleReconnect();
      };
      ws.onerror = function () { /* onclose follows */ };
    }

    function scheduleReconnect() {
      if (reconnectTimer) return;
      const delay = backoffDelay(S.attempt++);
      reconnectTimer = win.setTimeout(function () { reconnectTimer = null; connect(); }, delay);
    }

    function startPing() {
      stopPing();
      pingTimer = win.setInterval(function () {
        const ws = S.socket;
        if (!ws || ws.readyState !== 1) return;
        if (Date.now() - S.lastFrameAt > SILENCE_LIMIT_MS) { ws.close(); return; }
        ws.send(JSON.stringify({ type: 'ping' }));
      }, PING_EVERY_MS);
    }

    function stopPing() { win.clearInterval(pingTimer); pingTimer = null; }

    function sendFrame(frame) {
      if (!S.socket || S.socket.readyState !== 1) return false;
      try { S.socket.send(JSON.stringify(frame)); return true; } catch (e) { return false; }
    }

    function handleEvent(ev) {
      switch (ev.type) {
        case 'hello': return onHello(ev);
        case 'session.assigned': return onSession(ev.session, true);
        case 'session.updated': return onSession(ev.session, false);
        case 'message.created': return onMessage(ev.message);
        case 'queue.updated': return onQueue(ev);
        case 'typing': return onTyping(ev.session);
        case 'alert': return onAlert(ev);
        case 'ack': return onAck(ev.client_id, ev.id, null);
        case 'error': return onSocketError(ev);
        case 'resync': return resync(); // pushes may have been lost (the server's layer was down)
        case 'visitor.updated': return onVisitorUpdated(ev);
        default: return undefined; // pong and anything newer
      }
    }

    function onHello(ev) {
      S.attempt = 0;
      S.ready = true;
      S.everConnected = true;
      if (S.me && ev.operator) {
        if (ev.operator.status) S.me.status = ev.operator.status;
        renderStatus();
      }
      setConn('online');
      resync().then(flushOutbox);
    }

    function onSession(session, assigned) {
      if (!session || session.id === undefined) return;
      const before = S.sessions.get(session.id);
      if (S.open && session.dialog === S.open.dialogId && S.open.contactId &&
          (!before || (session.status && before.status !== session.status))) {
        contactTimelineSoon();
      }
      const s = upsertSession(S.sessions, session);
      const meId = S.me && S.me.id;
      const isNewForMe = s.status === 'active' && s.operator === meId &&
        (assigned || !before || before.operator !== meId || before.status !== 'active');
      if (S.open && s.dialog === S.open.dialogId) {
        S.open.dialogSessions.set(s.id, s);
        // the dialog continues in a newer session that is mine: follow it
        if (s.id !== S.open.sessionId && s.status === 'active' && s.operator === meId) S.open.sessionId = s.id;
      }
      basicsOnSession(s);
      if (isNewForMe) {
        notify(fmt(T.newChat, { name: contactName(s, T) }), previewText(s.last_message), s.id);
      }
      render();
    }

    function onMessage(m) {
      if (!m || m.id === undefined) return;
      const out = m.client_id && S.outbox.ack(m.client_id);
      const s = m.session !== null && m.session !== undefined ? S.sessions.get(m.session) : null;
      const openHere = !!(S.open && m.dialog === S.open.dialogId);
      if (openHere) {
        S.open.messages = mergeMessages(S.open.messages, [m]);
        if (m.sender_type === 'contact') { S.typingUntil = 0; renderTyping(); }
      }
      if (s && !m.internal) {
        const lastId = s.last_message && s.last_message.id;
        if (!lastId || m.id >= lastId) {
          s.last_message = { id: m.id, text: m.text, sender_type: m.sender_type, created_at: m.created_at };
        }
        if (m.sender_type === 'contact') {
          s.last_contact_message_at = m.created_at;
          const seen = openHere && S.open.sessionId === s.id && !doc.hidden;
          if (!seen && !out) s.unread_count = (Number(s.unread_count) || 0) + 1;
          if (s.status === 'active' && s.operator === (S.me && S.me.id) && (doc.hidden || !seen)) {
            notify(fmt(T.newMessage, { name: m.sender_name || contactName(s, T) }), previewText(m), s.id);
          }
        }
      }
      if (openHere) { renderTimeline(); scheduleRead(); }
      renderLists();
    }

    let queueReload = new Map();
    function onQueue(ev) {
      const prev = S.queues.get(ev.group) || { group: ev.group, name: '' };
      S.queues.set(ev.group, Object.assign({}, prev, { size: ev.size, oldest_queued_at: ev.oldest_queued_at === undefined ? prev.oldest_queued_at : ev.oldest_queued_at }));
      if ((S.expanded.has(ev.group) || supervises(ev.group)) && !queueReload.has(ev.group)) {
        queueReload.set(ev.group, win.setTimeout(function () {
          queueReload.delete(ev.group);
          const job = supervises(ev.group) ? loadTeamGroup(ev.group) : loadQueued(ev.group);
          job.then(renderLists, function () {});
        }, 400));
      }
      renderLists();
    }

    /** Supervisors hear when routing had to step down its ladder. */
    function onAlert(ev) {
      const s = ev.session;
      if (s && s.id !== undefined) upsertSession(S.sessions, s);
      const text = T['alert_' + ev.kind];
      if (!text) { renderLists(); return; }
      toast(fmt(text, { name: (s && s.contact_name) || T.customer, operator: ev.operator || T.unassigned }), 'info');
      renderLists();
    }

    let typingTimer = null;
    function onTyping(sessionId) {
      if (!S.open) return;
      const s = S.sessions.get(sessionId);
      if (sessionId !== S.open.sessionId && !(s && s.dialog === S.open.dialogId)) return;
      S.typingUntil = Date.now() + TYPING_SHOW_MS;
      renderTyping();
      win.clearTimeout(typingTimer);
      typingTimer = win.setTimeout(renderTyping, TYPING_SHOW_MS + 50);
    }

    function onAck(clientId, id, message) {
      const item = S.outbox.ack(clientId);
      if (S.open && (item ? item.dialog === S.open.dialogId : true)) {
        const local = S.open.messages.find(function (m) { return m.client_id === clientId; });
        if (local || message) {
          const merged = Object.assign({}, local || {}, message || {}, { id: id, client_id: clientId });
          delete merged._local;
          S.open.messages = mergeMessages(S.open.messages, [merged]);
          renderTimeline();
        }
      }
    }

    function onSocketError(ev) {
      // The server could not store it for a moment (its database restarting): it goes
      // again shortly with the same client_id (stored once), without alarming anyone.
      if (ev.code === 'unavailable' && ev.client_id && S.outbox.has(ev.client_id)) {
        win.setTimeout(function () { retry(ev.client_id); }, RESEND_UNAVAILABLE_MS);
        return;
      }
      if (ev.client_id && S.outbox.has(ev.client_id)) {
        S.outbox.fail(ev.client_id);
        renderTimeline();
      }
      toast(fmt(T.err_socket, { detail: ev.detail || ev.code || '?' }), 'error');
    }

    /* ---------------------------------------------------------------- sending */

    function canWrite(s) {
      return !!(s && S.me && s.status === 'active' && s.operator === S.me.id);
    }

    function currentSession() {
      return S.open ? S.sessions.get(S.open.sessionId) || S.open.dialogSessions.get(S.open.sessionId) || null : null;
    }

    function sendText(text) {
      const s = currentSession();
      if (!canWrite(s) || !text.trim()) return false;
      const item = S.outbox.add({ client_id: uuid(), session: s.id, dialog: s.dialog, text: text });
      S.open.messages = mergeMessages(S.open.messages, [{
        id: null, client_id: item.client_id, dialog: s.dialog, session: s.id, sender_type: 'operator',
        sender_name: S.me.display_name || S.me.username || T.you, text: text, attachments: [],
        created_at: new Date().toISOString(), internal: false, _local: true,
      }]);
      transmit(item);
      renderTimeline(true);
      return true;
    }

    function transmit(item) {
      if (socketReady() && sendFrame({ type: 'message', session: item.session, text: item.text, client_id: item.client_id })) {
        S.outbox.markSent(item.client_id, Date.now());
      } else if (win.navigator.onLine !== false) {
        postViaHttp(item);
      }
    }

    async function postViaHttp(item) {
      S.outbox.markSent(item.client_id, Date.now());
      try {
        const m = await api('POST', 'sessions/' + item.session + '/messages/', { text: item.text, client_id: item.client_id });
        onAck(item.client_id, m && m.id, m);
      } catch (err) {
        if (!S.outbox.has(item.client_id)) return; // acked meanwhile
        if (!err.status) { S.outbox.requeue(item.client_id); return; } // resent on reconnect
        S.outbox.fail(item.client_id);
        renderTimeline();
        report(err, 'send');
      }
    }

    function flushOutbox() {
      for (const item of S.outbox.toResend()) transmit(item);
    }

    function retry(clientId) {
      const item = S.outbox.requeue(clientId);
      if (item) { transmit(item); renderTimeline(); }
    }

    async function upload(file) {
      const s = currentSession();
      if (!canWrite(s) || !file) return;
      const clientId = uuid();
      const token = S.open.token;
      const local = {
        id: null, client_id: clientId, dialog: s.dialog, session: s.id, sender_type: 'operator',
        sender_name: S.me.display_name || S.me.username, text: '', attachments: [], _local: true,
        _upload: file.name, created_at: new Date().toISOString(),
      };
      S.open.messages = mergeMessages(S.open.messages, [local]);
      renderTimeline(true);
      const form = new FormData();
      form.append('file', file, file.name);
      form.append('client_id', clientId);
      try {
        const m = await api('POST', 'sessions/' + s.id + '/attachments/', form);
        if (S.open && S.open.token === token) { S.open.messages = mergeMessages(S.open.messages, [m]); renderTimeline(); }
      } catch (err) {
        if (S.open && S.open.token === token) {
          S.open.messages = S.open.messages.filter(function (m) { return m.client_id !== clientId || m.id; });
          renderTimeline();
        }
        report(err, 'upload');
      }
    }

    /* ---------------------------------------------------------------- actions */

    async function takeSession(id) {
      try {
        const s = await api('POST', 'sessions/' + id + '/take/');
        upsertSession(S.sessions, s);
        toast(T.takenOk, 'ok');
        openSession(s.id);
      } catch (err) {
        report(err, 'take');
      }
    }

    async function closeSession() {
      const s = currentSession();
      if (!canWrite(s)) return;
      const ids = deriveLists(S.sessions, S.me).mine.map(function (x) { return x.id; });
      try {
        const closed = await api('POST', 'sessions/' + s.id + '/close/');
        upsertSession(S.sessions, closed);
        if (S.open) S.open.dialogSessions.set(closed.id, S.sessions.get(closed.id));
        toast(T.closedOk, 'ok');
        // move on to the chat that took this one's place in the list
        const rest = ids.filter(function (x) { return x !== s.id; });
        if (rest.length) openSession(rest[Math.min(Math.max(0, ids.indexOf(s.id)), rest.length - 1)]);
        else render();
      } catch (err) {
        report(err, 'close');
      }
    }

    async function setMyStatus(status) {
      const previous = S.me && S.me.status;
      try {
        S.me = Object.assign({}, S.me, await api('PATCH', 'operators/me/', { status: status }));
        sendFrame({ type: 'status', status: status });
      } catch (err) {
        if (S.me) S.me.status = previous;
        report(err, 'status');
      }
      renderStatus();
    }

    let readTimer = null;
    function scheduleRead() {
      win.clearTimeout(readTimer);
      readTimer = win.setTimeout(markRead, 300);
    }

    async function markRead() {
      if (!S.open || doc.hidden) return;
      const s = S.sessions.get(S.open.sessionId);
      if (!s || !canWrite(s)) return;
      const last = lastMessageId(S.open.messages);
      if (!last || (s._readUpTo || 0) >= last) return;
      s._readUpTo = last;
      const hadUnread = Number(s.unread_count) > 0;
      s.unread_count = 0;
      if (hadUnread) renderLists();
      try {
        await api('POST', 'sessions/' + s.id + '/read/', { message: last });
      } catch (err) {
        s._readUpTo = 0; // try again with the next message; nothing to tell the operator
      }
    }

    /* ---------------------------------------------------------------- opening a chat */

    async function openSession(id) {
      if (id === null || id === undefined) return;
      let s = S.sessions.get(id);
      if (!s) {
        try { s = upsertSession(S.sessions, await api('GET', 'sessions/' + id + '/')); } catch (err) { report(err, 'open'); return; }
      }
      const token = ++S.openSeq;
      const sameDialog = S.open && S.open.dialogId === s.dialog;
      S.open = {
        token: token, sessionId: s.id, dialogId: s.dialog, contactId: s.contact,
        messages: sameDialog ? S.open.messages : [], dialogSessions: sameDialog ? S.open.dialogSessions : new Map([[s.id, s]]),
        contact: sameDialog ? S.open.contact : null, loading: !sameDialog,
      };
      S.typingUntil = 0;
      if (win.history && win.history.replaceState) win.history.replaceState(null, '', '#session-' + s.id);
      hideCanned();
      const text = $('composer-text');
      if (text && !sameDialog) { text.value = ''; autoGrow(); }
      render();
      renderTimeline(true);
      if (!sameDialog) renderContact();
      await refreshOpen();
      if (S.open && S.open.token === token) {
        S.open.loading = false;
        renderTimeline(true);
        if (canWrite(s) && text && !isEditable(doc.activeElement)) text.focus();
      }
      if (!sameDialog) loadContact(token);
    }

    async function fetchMessages(dialogId, after) {
      let all = [];
      let cursor = after || 0;
      for (let page = 0; page < 100; page++) {
        const data = await api('GET', 'dialogs/' + dialogId + '/messages/' + (cursor ? q({ after: cursor }) : ''));
        const got = results(data);
        all = all.concat(got);
        const last = lastMessageId(got);
        if (!data || !data.next || !got.length || last <= cursor) break;
        cursor = last;
      }
      return all;
    }

    /** Catches the open dialog up: its sessions, and the messages after the last one shown. */
    async function refreshOpen() {
      const open = S.open;
      if (!open) return;
      const token = open.token;
      try {
        const [sessionsData, messages] = await Promise.all([
          api('GET', 'sessions/' + q({ dialog: open.dialogId, page_size: 200 })),
          fetchMessages(open.dialogId, lastMessageId(open.messages)),
        ]);
        if (!S.open || S.open.token !== token) return;
        for (const s of results(sessionsData)) open.dialogSessions.set(s.id, upsertSession(S.sessions, s));
        open.messages = mergeMessages(open.messages, messages);
        render();
        renderTimeline();
        scheduleRead();
      } catch (err) {
        if (S.open && S.open.token === token) report(err, 'open');
      }
    }

    /* ---------------------------------------------------------------- rendering: lists */

    let renderQueued = false;
    function render() {
      if (renderQueued) return;
      renderQueued = true;
      const run = function () { renderQueued = false; renderLists(); renderHeader(); renderComposer(); renderTyping(); renderChatLabels(); };
      if (win.requestAnimationFrame && !doc.hidden) win.requestAnimationFrame(run);
      else win.setTimeout(run, 0);
    }

    function channelBadge(s) {
      const type = String(s.channel_type || 'widget');
      const short = { widget: 'Web', telegram: 'TG', whatsapp: 'WA', email: '@', api: 'API' }[type] || type.slice(0, 3);
      return h('span', { class: 'ch ch-' + type.replace(/[^a-z]/g, ''), title: (T['ch_' + type] || type) + (s.channel_name ? ' · ' + s.channel_name : ''), text: short });
    }

    function previewText(m) {
      if (!m) return '';
      const text = String(m.text || '').replace(/\s+/g, ' ').trim();
      if (text) return text.length > 120 ? text.slice(0, 119) + '…' : text;
      return m.attachments && m.attachments.length ? T.attachment : '';
    }

    function chatItem(s, opts) {
      const now = Date.now();
      const o = opts || {};
      const wait = o.noWait ? null : waitBadge(s, now, LANG);
      const unread = Number(s.unread_count) || 0;
      const active = S.open && S.open.sessionId === s.id;
      const last = s.last_message;
      const prefix = last && last.sender_type === 'operator' ? T.you + ': ' : '';
      const btn = h('button', { type: 'button', class: 'chat-btn', onclick: function () { openSession(s.id); } },
        channelBadge(s),
        h('span', { class: 'ci-main' },
          h('span', { class: 'ci-top' },
            h('span', { class: 'ci-name', text: contactName(s, T) }),
            o.right ? h('span', { class: 'ci-right', text: o.right }) : null,
            wait ? h('span', { class: 'ci-wait sla-' + wait.level, text: wait.text }) : null),
          h('span', { class: 'ci-preview', text: o.sub || (prefix + previewText(last)) }), labelDots(s)),
        unread > 0 && !o.noUnread ? h('span', { class: 'badge', 'aria-label': fmt(T.unreadN, { n: unread }), text: unread > 99 ? '99+' : unread }) : null);
      if (active) btn.setAttribute('aria-current', 'true');
      const li = h('li', { class: 'chat-item' + (active ? ' active' : '') + (unread && !o.noUnread ? ' unread' : ''), dataset: { id: s.id } }, btn);
      if (o.action) li.append(o.action);
      return li;
    }

    function fill(listId, items, emptyText) {
      const ul = $(listId);
      if (!ul) return;
      if (!items.length && emptyText) ul.replaceChildren(h('li', { class: 'empty', text: emptyText }));
      else ul.replaceChildren.apply(ul, items);
    }

    function renderLists() {
      if (!S.me) return;
      const lists = deriveLists(S.sessions, S.me);
      fill('list-mine', lists.mine.map(function (s) { return chatItem(s); }), T.noChats);
      setCount('count-mine', lists.mine.length + (S.me.max_sessions ? ' / ' + S.me.max_sessions : ''));
      fill('list-closed', lists.closed.map(function (s) {
        return chatItem(s, { noWait: true, noUnread: true, right: when(s.closed_at), sub: T['reason_' + s.close_reason] || T.status_closed });
      }), T.noClosed);
      renderQueues(lists.queued);
      const team = $('sec-team');
      const supervises = !!(S.me.supervised_groups && S.me.supervised_groups.length);
      if (team) team.hidden = !supervises;
      if (supervises) {
        fill('list-team', lists.team.map(function (s) {
          return chatItem(s, { noUnread: true, sub: (s.operator_name || T.unassigned) + ' · ' + (s.group_name || '') });
        }), T.noTeam);
        setCount('count-team', lists.team.length);
      }
      const total = unreadTotal(lists.mine);
      doc.title = titleWithUnread(T.inbox, total);
    }

    /** ``?view=team``: brings the supervisors' live view to the front. */
    function showTeam() {
      const sec = $('sec-team');
      if (!sec || !S.me || !(S.me.supervised_groups && S.me.supervised_groups.length)) {
        toast(T.noTeamGroups, 'info');
        return;
      }
      const nav = sec.parentElement;
      if (nav && nav.firstElementChild !== sec) nav.insertBefore(sec, nav.firstElementChild);
      sec.classList.add('focused');
      if (sec.scrollIntoView) sec.scrollIntoView({ block: 'start' });
    }

    function setCount(id, value) {
      const el = $(id);
      if (el) el.textContent = String(value);
    }

    function renderQueues(queuedByGroup) {
      const ul = $('list-queues');
      if (!ul) return;
      const now = Date.now();
      const rows = Array.from(S.queues.values()).sort(function (a, b) { return String(a.name).localeCompare(String(b.name)); });
      if (!rows.length) { ul.replaceChildren(h('li', { class: 'empty', text: T.noQueue })); return; }
      let waiting = 0;
      ul.replaceChildren.apply(ul, rows.map(function (row) {
        const size = Number(row.size) || 0;
        waiting += size;
        const open = S.expanded.has(row.group);
        const oldest = parseTime(row.oldest_queued_at);
        const head = h('button', {
          type: 'button', class: 'queue-head', 'aria-expanded': open ? 'true' : 'false', title: T.showQueued,
          onclick: function () { toggleQueue(row.group); },
        },
        h('span', { class: 'caret', 'aria-hidden': 'true', text: open ? '▾' : '▸' }),
        h('span', { class: 'q-name', text: row.name || '#' + row.group }),
        h('span', { class: 'q-size' + (size ? ' busy' : ''), text: fmt(T.waitingN, { n: size }) }),
        size && oldest !== null ? h('span', { class: 'q-oldest', text: fmt(T.longestWait, { t: formatWait((now - oldest) / 1000, LANG) }) }) : null);
        const li = h('li', { class: 'queue' + (open ? ' open' : '') }, head);
        if (open) {
          const queued = queuedByGroup.get(row.group) || [];
          const sub = h('ul', { class: 'chat-list nested' });
          if (!queued.length) sub.append(h('li', { class: 'empty', text: T.noQueue }));
          for (const s of queued) {
            const since = parseTime(s.queued_at);
            sub.append(chatItem(s, {
              noUnread: true, noWait: true, right: since !== null ? formatWait((now - since) / 1000, LANG) : '',
              action: h('button', { type: 'button', class: 'btn-small take', text: T.take, onclick: function (e) { e.stopPropagation(); takeSession(s.id); } }),
            }));
          }
          li.append(sub);
        }
        return li;
      }));
      setCount('count-queues', waiting);
    }

    function toggleQueue(groupId) {
      if (S.expanded.has(groupId)) { S.expanded.delete(groupId); renderLists(); return; }
      S.expanded.add(groupId);
      renderLists();
      loadQueued(groupId).then(renderLists, function (err) { report(err, 'load'); });
    }

    /* ---------------------------------------------------------------- rendering: the chat */

    function renderHeader() {
      const empty = $('chat-empty');
      const chat = $('chat');
      if (!chat) return;
      const s = currentSession();
      if (empty) empty.hidden = !!s;
      chat.hidden = !s;
      if (!s) return;
      $('chat-name').textContent = contactName(s, T);
      const meta = $('chat-meta');
      const bits = [T['ch_' + s.channel_type] || s.channel_type, s.group_name, s.topic_title,
        T['status_' + s.status] + (s.status === 'closed' && s.close_reason ? ' · ' + (T['reason_' + s.close_reason] || s.close_reason) : ''),
        s.operator && S.me && s.operator !== S.me.id ? s.operator_name : null];
      meta.replaceChildren(channelBadge(s), h('span', { text: bits.filter(Boolean).join(' · ') }));
      const mine = canWrite(s);
      $('btn-take').hidden = s.status !== 'queued';
      $('btn-transfer').hidden = !mine;
      $('btn-close').hidden = !mine;
      $('chat-readonly').hidden = mine || s.status === 'queued';
    }

    function renderComposer() {
      const s = currentSession();
      const form = $('composer');
      if (!form || !s) return;
      const mine = canWrite(s);
      const text = $('composer-text');
      text.disabled = !mine;
      $('btn-send').disabled = !mine;
      $('btn-attach').disabled = !mine;
      form.classList.toggle('disabled', !mine);
      const note = $('composer-note');
      let why = '';
      if (!mine) {
        if (s.status === 'closed') why = T.roClosed;
        else if (s.status === 'queued') why = T.roQueued;
        else if (s.status === 'bot') why = T.roBot;
        else why = fmt(T.roNotMine, { name: s.operator_name || T.unassigned });
      }
      note.textContent = why;
      note.hidden = !why;
      if (!mine) hideCanned();
      renderUnfilled();
      renderNoteMode();
    }

    function renderTyping() {
      const el = $('typing');
      if (el) el.hidden = !(S.open && S.typingUntil > Date.now());
    }

    const msgCache = new Map(); // key -> {sig, el}

    function separatorEl(item) {
      const s = item.session || (S.open && S.open.dialogSessions.get(item.sessionId)) || S.sessions.get(item.sessionId);
      const bits = s ? [s.group_name || T.noGroup, s.operator_name || T.unassigned, when(s.created_at)] : [fmt(T.sessionN, { id: item.sessionId })];
      if (s && s.topic_title) bits.splice(1, 0, s.topic_title);
      return h('div', { class: 'sep', role: 'separator' }, h('span', { text: bits.filter(Boolean).join(' · ') }));
    }

    function attachmentEl(att, onLoad) {
      const url = safeUrl(att.url);
      const label = (att.name || T.attachment) + (att.size ? ' · ' + formatSize(att.size, LANG) : '');
      if (!url) return h('span', { class: 'att att-file', text: label });
      if (isImage(att)) {
        const img = h('img', { src: url, alt: att.name || T.attachment, loading: 'lazy' });
        img.addEventListener('load', onLoad);
        return h('a', { class: 'att att-image', href: url, target: '_blank', rel: 'noopener noreferrer', title: label }, img);
      }
      return h('a', { class: 'att att-file', href: url, target: '_blank', rel: 'noopener noreferrer', download: att.name || true, text: '📎 ' + label });
    }

    function messageEl(m) {
      const pending = m.id === null || m.id === undefined;
      const item = pending ? S.outbox.get(m.client_id) : null;
      const state = pending ? (item ? item.state : (m._upload ? 'upload' : 'sent')) : 'done';
      const sig = [m.id, m.text, (m.attachments || []).length, state, m.sender_name, m.internal].join('|');
      const key = messageKey(m);
      const cached = msgCache.get(key);
      if (cached && cached.sig === sig) return cached.el;
      const type = ['contact', 'operator', 'bot', 'system'].indexOf(m.sender_type) >= 0 ? m.sender_type : 'system';
      const cls = ['msg', 'from-' + type];
      if (m.internal) cls.push('internal');
      if (pending) cls.push('pending');
      if (state === 'failed') cls.push('failed');
      let el;
      if (type === 'system' && !m.internal) {
        el = h('div', { class: cls.join(' ') }, h('span', { class: 'text', text: m.text || '' }), h('time', { text: when(m.created_at), datetime: m.created_at }));
      } else {
        const name = type === 'contact' ? (m.sender_name || contactName(currentSession(), T)) : (m.sender_name || (type === 'bot' ? T.status_bot : T.you));
        const meta = h('div', { class: 'msg-meta' }, h('time', { text: when(m.created_at), datetime: m.created_at || '' }));
        if (state === 'queued' || state === 'sent') meta.append(h('span', { class: 'state', text: T.sending }));
        if (state === 'upload') meta.append(h('span', { class: 'state', text: fmt(T.uploading, { name: m._upload }) }));
        if (state === 'failed') {
          meta.append(h('span', { class: 'state err', text: T.notSent }),
            h('button', { type: 'button', class: 'link retry', text: T.retry, onclick: function () { retry(m.client_id); } }));
        }
        const bubble = h('div', { class: 'bubble' },
          h('div', { class: 'msg-head' }, h('span', { class: 'sender', text: name }), m.internal ? h('span', { class: 'tag-internal', text: T.internalNote }) : null),
          m.text ? h('div', { class: 'text', text: m.text }) : null);
        const atts = (m.attachments || []).filter(Boolean);
        if (atts.length) bubble.append(h('div', { class: 'atts' }, ...atts.map(function (a) { return attachmentEl(a, stickToBottom); })));
        bubble.append(meta);
        el = h('div', { class: cls.join(' ') }, bubble);
      }
      msgCache.set(key, { sig: sig, el: el });
      return el;
    }

    let wasAtBottom = true;
    function stickToBottom() {
      const box = $('timeline');
      if (box && wasAtBottom) box.scrollTop = box.scrollHeight;
    }

    function renderTimeline(forceBottom) {
      const box = $('timeline');
      if (!box) return;
      if (!S.open) { box.replaceChildren(); msgCache.clear(); return; }
      wasAtBottom = forceBottom || box.scrollHeight - box.scrollTop - box.clientHeight < 80;
      const nodes = [];
      if (S.open.loading && !S.open.messages.length) nodes.push(h('div', { class: 'loading', 'aria-busy': 'true' }));
      const used = new Set();
      for (const item of buildTimeline(S.open.messages, S.open.dialogSessions)) {
        if (item.kind === 'separator') nodes.push(separatorEl(item));
        else { nodes.push(messageEl(item.message)); used.add(messageKey(item.message)); }
      }
      for (const key of Array.from(msgCache.keys())) if (!used.has(key)) msgCache.delete(key);
      box.replaceChildren.apply(box, nodes);
      stickToBottom();
    }

    /* ---------------------------------------------------------------- the contact card */

    async function loadContact(token) {
      const open = S.open;
      if (!open || open.contactId === null || open.contactId === undefined) return;
      const cid = open.contactId;
      const stillOpen = function () { return S.open && S.open.token === token; };
      api('GET', 'contacts/' + cid + '/').then(function (c) {
        if (stillOpen()) { S.open.contact = c; renderContact(); }
      }, function (err) { if (stillOpen()) report(err, 'contact'); });
      api('GET', 'sessions/' + q({ contact: cid, page_size: 20 })).then(function (d) {
        if (stillOpen()) renderEarlier(results(d));
      }, function () { if (stillOpen()) renderEarlier([]); });
      api('GET', 'leads/' + q({ contact: cid })).then(function (d) {
        if (stillOpen()) renderLeads(results(d));
      }, function () { if (stillOpen()) renderLeads(null); });
      loadIdentity(token, cid);
      loadVisitor(token);
    }

    function renderContact() {
      const card = $('contact-body');
      if (!card) return;
      const c = S.open && S.open.contact;
      if (!c) { card.replaceChildren(h('div', { class: 'loading', 'aria-busy': 'true' })); renderEarlier(null); renderLeads(null); return; }
      const fields = h('div', { class: 'fields' },
        editableField(c, 'name', T.name), editableField(c, 'email', T.email), editableField(c, 'phone', T.phone));
      const ids = (c.identities || []).map(identityItem);
      const attrs = c.attributes && typeof c.attributes === 'object' ? Object.keys(c.attributes) : [];
      const dl = h('dl', { class: 'attrs' });
      for (const k of attrs) {
        const v = c.attributes[k];
        dl.append(h('dt', { text: k }), h('dd', { text: v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v) }));
      }
      // replaceChildren() would show a null as the text "null": leave absent sections out
      card.replaceChildren(...[cardTitle(c), fields, visitorSection(),
        ids.length ? h('section', { class: 'card-sec' }, h('h3', { text: T.identities }), h('ul', { class: 'ids' }, ...ids)) : null,
        attrs.length ? h('section', { class: 'card-sec' }, h('h3', { text: T.attributes }), dl) : null].filter(Boolean));
    }

    /* ------------------------------- the contact card: who it is, the website visitor */

    /** "Customer #N" (the server's display name) until the customer's name is known. */
    function cardTitle(c) {
      return h('h2', { class: 'card-title', text: c.display_name || c.name || '#' + c.id });
    }

    /** An identity; a website visitor's is a random id of no use to a person: shown as
     * "Website visitor", the id kept in the tooltip. */
    function identityItem(i) {
      const label = h('span', { class: 'ch-label', text: T['ch_' + i.channel_type] || i.channel_type });
      if (i.channel_type === 'widget') return h('li', { title: i.external_id }, label, h('span', { text: T.widgetVisitor }));
      return h('li', null, label, h('span', { class: 'mono', text: i.external_id }));
    }

    function loadVisitor(token) {
      const open = S.open;
      if (!open || open.dialogId === null || open.dialogId === undefined) return;
      const s = S.sessions.get(open.sessionId);
      if (s && s.channel_type && s.channel_type !== 'widget') { open.visitor = null; return; }
      api('GET', 'dialogs/' + open.dialogId + '/visitor/').then(function (v) {
        if (S.open && S.open.token === token) { S.open.visitor = v; renderContact(); }
      }, function () { /* not a website chat, or gone: no section */ });
    }

    function onVisitorUpdated(ev) {
      if (!S.open || ev.dialog !== S.open.dialogId || !ev.visitor) return;
      S.open.visitor = ev.visitor;
      if (S.open.contact) renderContact();
    }

    function visitorRow(label, value, cls) {
      return [h('dt', { text: label }), h('dd', { class: cls || null }, value)];
    }

    function visitorLink(url, text) {
      const safe = safeUrl(url);
      if (!safe || !/^https?:/i.test(safe)) return h('span', { text: text || url || '' });
      return h('a', { href: safe, target: '_blank', rel: 'noopener noreferrer nofollow', title: url, text: text || shortUrl(url) });
    }

    function visitorSection() {
      const v = S.open && S.open.visitor;
      if (!v) return null;
      const dl = h('dl', { class: 'attrs visitor-ctx' });
      if (v.page_url) dl.append(...visitorRow(T.vPage, visitorLink(v.page_url, v.page_title ? v.page_title + ' · ' + shortUrl(v.page_url, 40) : ''), 'v-page'));
      dl.append(...visitorRow(T.vReferrer, v.referrer ? visitorLink(v.referrer) : h('span', { class: 'muted', text: T.vDirect }), 'v-referrer'));
      if (v.browser || v.user_agent) dl.append(...visitorRow(T.vBrowser, h('span', { title: v.user_agent || '', text: v.browser || shortUrl(v.user_agent, 60) }), 'v-browser'));
      if (v.language) dl.append(...visitorRow(T.vLanguage, h('span', { text: v.language }), 'v-language'));
      const local = visitorLocalTime(Date.now(), v.time_zone, v.utc_offset_min, LANG);
      if (local) dl.append(...visitorRow(T.vLocalTime, h('span', { class: 'v-clock', text: local }), 'v-time'));
      return h('section', { class: 'card-sec visitor-sec' }, h('h3', { text: T.visitorSec }), dl);
    }

    /** The visitor's clock in the card moves on by itself. */
    function tickVisitorClock() {
      const v = S.open && S.open.visitor;
      const el = doc.querySelector('#contact-body .v-clock');
      if (v && el) el.textContent = visitorLocalTime(Date.now(), v.time_zone, v.utc_offset_min, LANG);
    }

    function editableField(contact, field, label) {
      const value = contact[field] || '';
      const err = h('p', { class: 'field-error', hidden: true });
      const wrap = h('div', { class: 'field' }, h('span', { class: 'label', text: label }));
      const show = h('button', {
        type: 'button', class: 'value editable' + (value ? '' : ' unset'), title: T.clickToEdit,
        text: value || T.notSet,
      });
      field === 'name' && show.classList.add('name');
      show.addEventListener('click', function () {
        const input = h('input', { type: field === 'email' ? 'email' : field === 'phone' ? 'tel' : 'text', value: value, 'aria-label': label, title: T.editHint });
        input.value = value;
        let busy = false;
        input.addEventListener('keydown', async function (e) {
          if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); renderContact(); return; }
          if (e.key !== 'Enter' || busy) return;
          e.preventDefault();
          if (input.value === value) { renderContact(); return; }
          busy = true;
          err.hidden = true;
          try {
            const updated = await api('PATCH', 'contacts/' + contact.id + '/', { [field]: input.value.trim() });
            if (S.open && S.open.contactId === contact.id) S.open.contact = updated;
            cannedCache.clear(); // placeholders filled with the old details
            if (field === 'name') {
              for (const s of S.sessions.values()) if (s.contact === contact.id) { s.contact_name = updated.display_name || updated.name; s.contact_anonymous = !(updated.name || updated.email || updated.phone); }
              render();
            }
            renderContact();
            toast(T.saved, 'ok');
          } catch (e2) {
            busy = false;
            if (e2.status === 400 && e2.body) {
              err.textContent = flattenErrors(e2.body[field] || e2.body);
              err.hidden = false;
              input.setAttribute('aria-invalid', 'true');
              input.focus();
            } else report(e2, 'contact');
          }
        });
        show.replaceWith(input);
        input.focus();
        input.select();
      });
      wrap.append(show, err);
      return wrap;
    }

    function renderEarlier(list) {
      const box = $('contact-sessions');
      if (!box) return;
      if (list === null) { box.replaceChildren(); box.parentElement.hidden = true; return; }
      box.parentElement.hidden = false;
      const openDialog = S.open && S.open.dialogId;
      const others = list.filter(function (s) { return !(S.open && s.id === S.open.sessionId); });
      if (!others.length) { box.replaceChildren(h('li', { class: 'empty', text: T.noEarlier })); return; }
      box.replaceChildren.apply(box, others.map(function (s) {
        const status = s.status === 'closed' ? (T['reason_' + s.close_reason] || T.status_closed) : T['status_' + s.status];
        return h('li', null, h('button', { type: 'button', class: 'earlier' + (s.dialog === openDialog ? ' same' : ''), onclick: function () { upsertSession(S.sessions, s); openSession(s.id); } },
          channelBadge(s),
          h('span', { class: 'e-main' },
            h('span', { class: 'e-top', text: [s.group_name, s.topic_title].filter(Boolean).join(' · ') || fmt(T.sessionN, { id: s.id }) }),
            h('span', { class: 'e-sub', text: [when(s.created_at), status, s.operator_name].filter(Boolean).join(' · ') }))));
      }));
    }

    /* ---- leads on the contact card: the list (each lead opens its page) and the small
     * "Create lead" form (title, pipeline, owner). One lead per click: the form is busy
     * while the request runs, and the server answers a repeat with 409 and the lead. */

    function renderLeads(list) {
      const box = $('contact-leads');
      if (!box) return;
      if (!list || !S.open || S.open.token !== leadFormFor) hideLeadForm();  // another chat
      if (!list) { box.replaceChildren(); box.parentElement.hidden = true; return; }
      box.parentElement.hidden = false;
      if (!list.length) { box.replaceChildren(h('li', { class: 'empty', text: T.noLeads })); return; }
      box.replaceChildren.apply(box, list.map(function (l) {
        const status = l.status_display || l.status || '';
        const stage = l.stage_name && String(l.stage_name).toLowerCase() !== String(status).toLowerCase() ? l.stage_name : '';
        const title = l.title || '#' + l.id;
        return h('li', { class: 'lead' },
          l.url ? h('a', { class: 'l-title', href: l.url, target: '_blank', rel: 'noopener', text: title }) : h('span', { class: 'l-title', text: title }),
          h('span', { class: 'l-where' },
            h('span', { class: 'pill st-' + String(l.status || '').replace(/[^a-z_]/g, ''), text: status }),
            stage ? h('span', { class: 'l-stage', text: stage }) : null));
      }));
    }

    let leadPipelines = null;
    let leadBusy = false;
    let leadFormFor = null;  // the open chat's token the form was filled for

    function hideLeadForm() {
      const form = $('lead-form');
      if (form) form.hidden = true;
      if ($('btn-lead')) $('btn-lead').hidden = false;
    }

    function leadError(text, link) {
      const err = $('lead-error');
      if (!err) return;
      err.replaceChildren(text, link ? ' ' : '', link ? h('a', { href: link, target: '_blank', rel: 'noopener', text: T.leadOpen }) : '');
      err.hidden = !text;
    }

    /** "Create lead": opens the form with the contact's name and the chat's channel as
     * the title (plain text the operator may change), the default pipeline and "me". */
    async function createLead() {
      const open = S.open;
      const form = $('lead-form');
      if (!open || open.contactId === null || open.contactId === undefined || !form) return;
      const c = open.contact;
      const s = S.sessions.get(open.sessionId);
      const name = (c && (c.name || c.email || c.phone)) || (s && s.contact_name) || '#' + open.contactId;
      const channel = s && (T['ch_' + s.channel_type] || s.channel_type);
      $('lead-title').value = channel ? name + ' — ' + channel : name;
      const owners = Array.isArray(BOOT.lead_owners) ? BOOT.lead_owners : [];
      $('lead-owner').replaceChildren.apply($('lead-owner'), owners.map(function (o) {
        return h('option', { value: String(o.id), text: o.me ? T.leadMe + ' (' + o.name + ')' : o.name });
      }));
      leadError('');
      leadFormFor = open.token;
      form.hidden = false;
      $('btn-lead').hidden = true;
      $('lead-title').focus();
      $('lead-title').select();
      if (leadPipelines === null) {
        try { leadPipelines = results(await api('GET', 'pipelines/')); } catch (err) { leadPipelines = []; }
      }
      const select = $('lead-pipeline');
      select.replaceChildren.apply(select, leadPipelines.map(function (p) {
        return h('option', { value: String(p.id), selected: !!p.is_default, text: p.name });
      }));
      select.closest('.lead-field').hidden = !leadPipelines.length;
    }

    async function submitLead(e) {
      e.preventDefault();
      const open = S.open;
      const submit = $('lead-submit');
      if (leadBusy || !open || open.contactId === null || open.contactId === undefined) return;
      if (open.token !== leadFormFor) { hideLeadForm(); return; }  // filled for another chat
      const title = $('lead-title').value.trim();
      if (!title) { leadError(T.leadTitleRequired); $('lead-title').focus(); return; }
      const body = { contact: open.contactId, session: open.sessionId, title: title };
      if ($('lead-pipeline').value) body.pipeline = Number($('lead-pipeline').value);
      if ($('lead-owner').value) body.owner = Number($('lead-owner').value);
      leadBusy = true;
      submit.disabled = true;
      leadError('');
      try {
        const lead = await api('POST', 'leads/', body);
        hideLeadForm();
        toast(T.leadCreated, 'ok');
        const d = await api('GET', 'leads/' + q({ contact: open.contactId }));
        if (S.open && S.open.token === open.token) renderLeads(results(d));
        return lead;
      } catch (err) {
        if (err && err.status === 409 && err.body && err.body.url) leadError(err.body.detail || '', err.body.url);
        else if (err && err.status === 400 && err.body) leadError(flattenErrors(err.body));
        else report(err, 'lead');
      } finally {
        leadBusy = false;
        submit.disabled = false;
      }
    }
    /* ---- end of leads on the contact card */

    /* ------------------------------------- the contact card: merge suggestions, timeline */

    let timelineTimer = null;
    /** The open contact's timeline again, once a burst of session changes is over (a
     * transfer closes one session and opens another). */
    function contactTimelineSoon() {
      win.clearTimeout(timelineTimer);
      timelineTimer = win.setTimeout(function () {
        if (S.open && S.open.contactId) loadIdentity(S.open.token, S.open.contactId);
      }, 300);
    }

    function loadIdentity(token, cid) {
      const stillOpen = function () { return S.open && S.open.token === token; };
      api('GET', 'contacts/' + cid + '/merge-suggestions/').then(function (d) {
        if (stillOpen()) renderSuggestions(cid, results(d), token);
      }, function () { if (stillOpen()) renderSuggestions(cid, null, token); });
      api('GET', 'contacts/' + cid + '/timeline/').then(function (d) {
        if (stillOpen()) renderContactTimeline(results(d));
      }, function () { if (stillOpen()) renderContactTimeline(null); });
    }

    function renderSuggestions(cid, list, token) {
      const box = $('contact-suggestions');
      if (!box) return;
      if (!list || !list.length) { box.replaceChildren(); box.parentElement.hidden = true; return; }
      box.parentElement.hidden = false;
      box.replaceChildren.apply(box, list.map(function (sg) {
        const other = sg.contact === cid ? { id: sg.candidate, name: sg.candidate_name } : { id: sg.contact, name: sg.contact_name };
        const base = 'contacts/' + cid + '/merge-suggestions/' + sg.id + '/';
        const act = async function (what) {
          try {
            const result = await api('POST', base + what + '/');
            if (what === 'merge' && S.open && S.open.token === token) {
              for (const s of S.sessions.values()) if (s.contact === cid || s.contact === other.id) { s.contact = result.id; s.contact_name = result.display_name || result.name; s.contact_anonymous = !(result.name || result.email || result.phone); }
              S.open.contactId = result.id;
              S.open.contact = result;
              renderContact();
              render();
              loadContact(token);
              toast(T.mergedOk, 'ok');
            } else if (S.open && S.open.token === token) loadIdentity(token, cid);
          } catch (err) { report(err, 'contact'); }
        };
        return h('li', { class: 'suggestion' },
          h('span', { class: 's-text', text: fmt(T.sameAs, { name: other.name || '#' + other.id }) + ' · ' + (T['reasonSame_' + sg.reason] || sg.reason) }),
          h('span', { class: 's-actions' },
            h('button', { type: 'button', class: 'btn-primary btn-small', text: T.merge, onclick: function () { act('merge'); } }),
            h('button', { type: 'button', class: 'btn-ghost btn-small', text: T.dismiss, onclick: function () { act('dismiss'); } })));
      }));
    }

    function renderContactTimeline(list) {
      const box = $('contact-timeline');
      if (!box) return;
      if (!list || !list.length) { box.replaceChildren(); box.parentElement.hidden = true; return; }
      box.parentElement.hidden = false;
      box.replaceChildren.apply(box, list.map(function (e) {
        const status = e.status === 'closed' ? (T['reason_' + e.close_reason] || T.status_closed) : T['status_' + e.status];
        return h('li', { class: 'timeline-entry' }, channelBadge(e),
          h('span', { class: 'e-main' },
            h('span', { class: 'e-top', text: [when(e.created_at), e.group_name, status, e.operator_name].filter(Boolean).join(' · ') }),
            h('span', { class: 'e-sub', text: String(e.first_message_text || '').replace(/\s+/g, ' ').slice(0, 140) })));
      }));
    }

    /* ---------------------------------------------------------------- the composer */

    function autoGrow() {
      const t = $('composer-text');
      if (!t) return;
      t.style.height = 'auto';
      t.style.height = Math.min(t.scrollHeight, 200) + 'px';
    }

    let cannedTimer = null;
    const cannedCache = new Map();
    function onComposerInput() {
      autoGrow();
      const t = $('composer-text');
      const s = currentSession();
      if (!noteMode() && canWrite(s) && t.value && typingThrottle(s.id) && socketReady()) sendFrame({ type: 'typing', session: s.id });
      renderUnfilled();
      const query = cannedQuery(t.value);
      win.clearTimeout(cannedTimer);
      if (query === null) { hideCanned(); return; }
      const prefix = query.slice(0, 1);
      const cacheKey = (s ? s.id : '') + ':' + prefix; // filled in for this session
      cannedTimer = win.setTimeout(async function () {
        let items = cannedCache.get(cacheKey);
        if (!items) {
          try {
            items = results(await api('GET', 'canned-responses/' + q({ search: prefix, session: s ? s.id : null })));
            cannedCache.set(cacheKey, items);
          } catch (err) { hideCanned(); return; }
        }
        if (cannedQuery(t.value) !== query) return;
        showCanned(matchCanned(items, query));
      }, 120);
    }

    function showCanned(items) {
      S.cannedItems = items;
      S.cannedIndex = 0;
      renderCanned();
    }

    function hideCanned() {
      S.cannedItems = [];
      const ul = $('canned');
      if (ul) { ul.hidden = true; ul.replaceChildren(); }
      const t = $('composer-text');
      if (t) t.removeAttribute('aria-activedescendant');
    }

    function renderCanned() {
      const ul = $('canned');
      if (!ul) return;
      if (!S.cannedItems.length) { hideCanned(); return; }
      ul.hidden = false;
      ul.replaceChildren.apply(ul, S.cannedItems.map(function (it, i) {
        const li = h('li', {
          id: 'canned-' + i, role: 'option', class: i === S.cannedIndex ? 'sel' : '', 'aria-selected': i === S.cannedIndex ? 'true' : 'false',
          onmousedown: function (e) { e.preventDefault(); insertCanned(i); },
        }, h('span', { class: 'c-short', text: '/' + it.shortcut }), h('span', { class: 'c-title', text: it.title || '' }),
        h('span', { class: 'c-text', text: previewText(it) }));
        return li;
      }));
      $('composer-text').setAttribute('aria-activedescendant', 'canned-' + S.cannedIndex);
    }

    function insertCanned(i) {
      const it = S.cannedItems[i];
      const t = $('composer-text');
      if (!it || !t) return;
      t.value = it.text || '';
      hideCanned();
      autoGrow();
      t.focus();
      S.unfilled = Array.isArray(it.unfilled) ? it.unfilled : [];
      const range = firstUnfilledRange(t.value, unfilledNames());
      if (range) t.setSelectionRange(range[0], range[1]);
      else t.setSelectionRange(t.value.length, t.value.length);
      renderUnfilled();
    }

    /* ------------------------- the composer: canned placeholders that stay unfilled */

    function unfilledNames() {
      return (S.unfilled || []).map(function (u) { return u.placeholder; });
    }

    /** The placeholders of the inserted canned response still in the text, with why
     * they were not filled; the textarea is marked while any is left. */
    function renderUnfilled() {
      const t = $('composer-text');
      if (!t) return [];
      const left = unfilledIn(t.value, unfilledNames());
      if (!left.length) S.unfilled = [];
      let box = $('composer-unfilled');
      if (!box && left.length) {
        box = h('p', { id: 'composer-unfilled', class: 'composer-unfilled', role: 'alert' });
        $('composer').after(box);
      }
      t.classList.toggle('has-unfilled', left.length > 0);
      if (left.length) t.setAttribute('aria-invalid', 'true'); else t.removeAttribute('aria-invalid');
      if (box) {
        box.hidden = !left.length;
        const reasons = (S.unfilled || []).filter(function (u) { return left.indexOf(u.placeholder) !== -1; });
        box.replaceChildren(...(left.length ? [h('span', { text: T.unfilledNote })].concat(reasons.map(function (u) {
          return h('span', { class: 'unfilled-item' }, h('code', { class: 'ph', text: '{' + u.placeholder + '}' }), h('span', { text: ' — ' + u.reason }));
        })) : []));
      }
      return left;
    }

    function onComposerKey(e) {
      if (S.cannedItems.length) {
        if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          e.preventDefault();
          const n = S.cannedItems.length;
          S.cannedIndex = (S.cannedIndex + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
          renderCanned();
          return;
        }
        if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') { e.preventDefault(); insertCanned(S.cannedIndex); return; }
        if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); hideCanned(); return; }
      }
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        submitComposer();
      }
    }

    function submitComposer() {
      const t = $('composer-text');
      if (noteMode()) { submitNote(); return; }
      const left = renderUnfilled();
      if (left.length) {
        toast(fmt(T.unfilledBlocked, { list: left.map(function (n) { return '{' + n + '}'; }).join(', ') }), 'error');
        const range = firstUnfilledRange(t.value, left);
        t.focus();
        if (range) t.setSelectionRange(range[0], range[1]);
        return;
      }
      if (t.value.trim() && sendText(t.value)) { t.value = ''; autoGrow(); hideCanned(); renderUnfilled(); }
    }

    /* ---------------------------------------------------------------- transfer */

    async function openTransfer() {
      const s = currentSession();
      if (!canWrite(s)) return;
      const modal = $('transfer-modal');
      const groupSel = $('tr-group');
      const err = $('tr-error');
      err.hidden = true;
      $('tr-note').value = '';
      $('tr-mode-group').checked = true;
      syncTransferMode();
      openModal(modal);
      if (!S.groups) {
        try {
          S.groups = results(await api('GET', 'groups/' + q({ page_size: 200 })));
        } catch (e) { report(e, 'load'); closeModal(modal); return; }
      }
      groupSel.replaceChildren(h('option', { value: '', text: T.chooseGroup }),
        ...S.groups.map(function (g) { return h('option', { value: g.id, text: g.name }); }));
      if (s.group) groupSel.value = String(s.group);
      loadTransferOperators();
      groupSel.focus();
    }

    function syncTransferMode() {
      const toOperator = $('tr-mode-operator').checked;
      $('tr-operator-wrap').hidden = !toOperator;
    }

    let opsToken = 0;
    async function loadTransferOperators() {
      const sel = $('tr-operator');
      const g = $('tr-group').value;
      const token = ++opsToken;
      sel.replaceChildren(h('option', { value: '', text: T.chooseOperator }));
      if (!g) return;
      try {
        const ops = transferTargets(results(await api('GET', 'operators/' + q({ group: g, page_size: 200 }))), S.me && S.me.id);
        if (token !== opsToken) return;
        if (!ops.length) { sel.replaceChildren(h('option', { value: '', text: T.noOperators })); return; }
        sel.append(...ops.map(function (o) {
          const load = (o.active_sessions || 0) + (o.max_sessions ? '/' + o.max_sessions : '');
          return h('option', { value: o.id, text: (o.display_name || o.username) + ' — ' + (T['op_' + o.status] || o.status || '') + ' · ' + load });
        }));
      } catch (e) { if (token === opsToken) report(e, 'load'); }
    }

    let transferring = false;
    async function submitTransfer(e) {
      if (e) e.preventDefault();
      const s = currentSession();
      if (!canWrite(s) || transferring) return;
      const toOperator = $('tr-mode-operator').checked;
      const target = toOperator ? $('tr-operator').value : $('tr-group').value;
      const err = $('tr-error');
      if (!target) { err.textContent = T.chooseTarget; err.hidden = false; return; }
      const body = toOperator ? { operator: Number(target) } : { group: Number(target) };
      const note = $('tr-note').value.trim();
      if (note) body.note = note;
      transferring = true;
      try {
        const res = await api('POST', 'sessions/' + s.id + '/transfer/', body);
        for (const x of [res && res.closed, res && res.opened]) {
          if (x) { upsertSession(S.sessions, x); if (S.open && x.dialog === S.open.dialogId) S.open.dialogSessions.set(x.id, S.sessions.get(x.id)); }
        }
        closeModal($('transfer-modal'));
        toast(T.transferred, 'ok');
        render();
        refreshOpen();
        // the contact card's timeline lists this chat's sessions: it changed
        contactTimelineSoon();
      } catch (e2) {
        if (e2.status === 400 || e2.status === 409) { err.textContent = apiErrorText(e2.status, e2.body, { action: 'transfer' }, T); err.hidden = false; } else { closeModal($('transfer-modal')); report(e2, 'transfer'); }
      } finally {
        transferring = false;
      }
    }

    /* ---------------------------------------------------------------- modals, keys */

    let lastFocus = null;
    function openModal(modal) {
      lastFocus = doc.activeElement;
      modal.hidden = false;
    }

    function closeModal(modal) {
      if (!modal || modal.hidden) return;
      modal.hidden = true;
      if (lastFocus && lastFocus.focus) lastFocus.focus();
    }

    function topModal() {
      return Array.from(doc.querySelectorAll('.modal')).find(function (m) { return !m.hidden; }) || null;
    }

    function moveChat(dir) {
      const ids = deriveLists(S.sessions, S.me).mine.map(function (s) { return s.id; });
      const next = nextChatId(ids, S.open && S.open.sessionId, dir);
      if (next !== null) openSession(next);
    }

    function onKey(e) {
      if (e.key === 'Escape') {
        const m = topModal();
        if (m) { e.preventDefault(); closeModal(m); }
        return;
      }
      if (topModal()) return;
      if (e.altKey && !e.ctrlKey && !e.metaKey) {
        let done = true;
        switch (e.code) {
          case 'ArrowDown': moveChat(1); break;
          case 'ArrowUp': moveChat(-1); break;
          case 'KeyC': closeSession(); break;
          case 'KeyT': openTransfer(); break;
          case 'KeyK': focusComposer(); break;
          case 'KeyN': toggleNote(); break;
          case 'KeyS': focusSearch(); break;
          default: done = false;
        }
        if (done) e.preventDefault();
        return;
      }
      if (e.ctrlKey || e.metaKey || isEditable(e.target)) return;
      if (e.key === '/') { e.preventDefault(); focusComposer(); }
      else if (e.key === '?') { e.preventDefault(); openModal($('help-modal')); }
    }

    function focusComposer() {
      const t = $('composer-text');
      if (t && !t.disabled) t.focus();
    }

    /* ---------------------------------------------------------------- header bits */

    function setConn(state) {
      const el = $('conn');
      if (!el) return;
      const text = { connecting: T.connecting, reconnecting: T.reconnecting, offline: T.offlineNet }[state] || '';
      el.textContent = text;
      el.hidden = !text;
      el.className = 'conn conn-' + state;
    }

    function renderStatus() {
      const sel = $('my-status');
      if (!sel || !S.me) return;
      sel.value = S.me.status || 'offline';
      sel.disabled = false;
      const wrap = sel.closest('.status-switch');
      if (wrap) wrap.dataset.status = S.me.status || 'offline';
    }

    function showBanner(text) {
      const el = $('inbox-banner');
      if (!el) return;
      el.textContent = text;
      el.hidden = false;
    }

    /* ---------------------------------------------------------------- notifications */

    let audio = null;
    function unlockAudio() {
      const Ctx = win.AudioContext || win.webkitAudioContext;
      if (!audio && Ctx) { try { audio = new Ctx(); } catch (e) { audio = null; } }
      if (audio && audio.state === 'suspended') audio.resume().catch(function () {});
    }

    function beep() {
      if (!audio) return;
      try {
        const t0 = audio.currentTime;
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.type = 'sine';
        osc.frequency.setValueAtTime(880, t0);
        osc.frequency.setValueAtTime(1320, t0 + 0.09);
        gain.gain.setValueAtTime(0.0001, t0);
        gain.gain.exponentialRampToValueAtTime(0.18, t0 + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.25);
        osc.connect(gain).connect(audio.destination);
        osc.start(t0);
        osc.stop(t0 + 0.26);
      } catch (e) { /* no sound is fine */ }
    }

    function notify(title, body, sessionId) {
      if (!doc.hidden) return;
      beep();
      if (!('Notification' in win) || win.Notification.permission !== 'granted') return;
      try {
        const n = new win.Notification(title, { body: body || '', tag: 'cc-session-' + sessionId });
        n.onclick = function () { win.focus(); openSession(sessionId); n.close(); };
      } catch (e) { /* some browsers allow notifications only from a service worker */ }
    }

    function onFirstGesture() {
      doc.removeEventListener('pointerdown', onFirstGesture, true);
      doc.removeEventListener('keydown', onFirstGesture, true);
      unlockAudio();
      if ('Notification' in win && win.Notification.permission === 'default') {
        try { win.Notification.requestPermission(); } catch (e) { /* old API, ignore */ }
      }
    }

    /* ---------------------------------------------------------------- notes, search, labels */

    // Private notes from the composer (note mode), the search box and filters above the
    // lists, and the labels of the open chat. Kept apart from the rest of the page.
    const OB = { noteMode: false, noteSession: null, labels: null, filter: { assignee: '', label: '' }, found: null, seq: 0, labelsSig: '' };

    function noteMode() {
      const s = currentSession();
      return !!(OB.noteMode && s && OB.noteSession === s.id);
    }

    function toggleNote() {
      const s = currentSession();
      if (!s || !S.me) return;
      OB.noteMode = !noteMode();
      OB.noteSession = s.id;
      renderComposer();
      const t = $('composer-text');
      if (t && !t.disabled) t.focus();
    }

    function renderNoteMode() {
      const btn = $('btn-note');
      const form = $('composer');
      const text = $('composer-text');
      const send = $('btn-send');
      if (!form || !text || !send) return;
      const on = noteMode();
      if (btn) {
        btn.disabled = !currentSession();
        btn.setAttribute('aria-pressed', on ? 'true' : 'false');
      }
      if (send.dataset.reply === undefined) send.dataset.reply = send.textContent;
      form.classList.toggle('note-mode', on);
      text.placeholder = on ? T.notePlaceholder : T.placeholder;
      send.textContent = on ? T.addNote : send.dataset.reply;
      if (!on) return;
      text.disabled = false;
      send.disabled = false;
      form.classList.remove('disabled');
      const attach = $('btn-attach');
      if (attach) attach.disabled = true;
      const note = $('composer-note');
      if (note) { note.textContent = T.noteHint; note.hidden = false; }
    }

    async function submitNote() {
      const t = $('composer-text');
      const s = currentSession();
      const text = t.value;
      if (!s || !S.open || !text.trim()) return;
      const clientId = uuid();
      const token = S.open.token;
      S.open.messages = mergeMessages(S.open.messages, [{
        id: null, client_id: clientId, dialog: s.dialog, session: s.id, sender_type: 'operator',
        sender_name: S.me.display_name || S.me.username || T.you, text: text, attachments: [],
        created_at: new Date().toISOString(), internal: true, _local: true,
      }]);
      t.value = '';
      autoGrow();
      hideCanned();
      renderTimeline(true);
      try {
        const m = await api('POST', 'sessions/' + s.id + '/notes/', { text: text, client_id: clientId });
        if (S.open && S.open.token === token) { S.open.messages = mergeMessages(S.open.messages, [m]); renderTimeline(); }
      } catch (err) {
        if (S.open && S.open.token === token) {
          S.open.messages = S.open.messages.filter(function (m) { return m.client_id !== clientId || m.id; });
          renderTimeline();
          if (!t.value) { t.value = text; autoGrow(); }
        }
        report(err, 'note');
      }
    }

    function labelChip(l, onRemove) {
      const dot = h('span', { class: 'label-dot', 'aria-hidden': 'true' });
      dot.style.backgroundColor = labelColor(l.color);
      const chip = h('span', { class: 'label-chip' }, dot, h('span', { class: 'label-name', text: l.name }));
      if (onRemove) {
        chip.append(h('button', { type: 'button', class: 'label-x', 'aria-label': fmt(T.removeLabel, { name: l.name }), title: fmt(T.removeLabel, { name: l.name }), text: '×', onclick: onRemove }));
      }
      return chip;
    }

    function labelDots(s) {
      const labels = (s && s.labels) || [];
      if (!labels.length) return null;
      return h('span', { class: 'ci-labels' }, ...labels.map(function (l) { return labelChip(l, null); }));
    }

    function renderChatLabels() {
      const box = $('chat-labels');
      if (!box) return;
      const s = currentSession();
      const sig = s ? JSON.stringify([s.id, s.labels || [], (OB.labels || []).map(function (l) { return l.id; })]) : '';
      if (sig === OB.labelsSig) return;
      OB.labelsSig = sig;
      if (!s) { box.replaceChildren(); return; }
      const chips = (s.labels || []).map(function (l) {
        return labelChip(l, function () { changeLabel(s.id, 'DELETE', l.id); });
      });
      const options = labelsToAdd(OB.labels, s.labels).map(function (l) { return h('option', { value: l.id, text: l.name }); });
      const add = h('select', {
        class: 'label-add', id: 'label-add', 'aria-label': T.addLabel,
        onchange: function (e) { const id = Number(e.target.value); e.target.value = ''; if (id) changeLabel(s.id, 'POST', id); },
      }, h('option', { value: '', text: '+ ' + T.addLabel }), ...options);
      add.disabled = !options.length;
      box.replaceChildren(...chips, add);
    }

    async function changeLabel(sessionId, method, labelId) {
      try {
        const s = await api(method, 'sessions/' + sessionId + '/labels/' + (method === 'DELETE' ? labelId + '/' : ''), method === 'POST' ? { label: labelId } : undefined);
        onSession(s, false);
      } catch (err) {
        report(err, 'label');
      }
    }

    async function loadLabels() {
      try {
        OB.labels = results(await api('GET', 'labels/' + q({ page_size: 200 })));
      } catch (err) {
        return; // labels are an extra: the inbox works without them
      }
      const sel = $('filter-label');
      if (sel) {
        const keep = sel.value;
        sel.replaceChildren(sel.firstElementChild || h('option', { value: '' }), ...OB.labels.map(function (l) { return h('option', { value: l.id, text: l.name }); }));
        sel.value = keep;
      }
      render();
    }

    function focusSearch() {
      const box = $('search-box');
      if (box) { box.focus(); if (box.select) box.select(); }
    }

    let findTimer = null;
    function scheduleFind() {
      win.clearTimeout(findTimer);
      findTimer = win.setTimeout(refreshFound, 250);
    }

    /** The found list: search results while the box has text, else the filtered chats. */
    async function refreshFound() {
      const box = $('search-box');
      const text = box ? searchText(box.value) : null;
      const params = filterParams(OB.filter);
      const seq = ++OB.seq;
      if (text === null && !params) { OB.found = null; renderFound(); return; }
      try {
        let found;
        if (text !== null) {
          const data = await api('GET', 'search/' + q({ q: text }));
          found = { kind: 'search', sessions: (data && data.sessions) || [], contacts: (data && data.contacts) || [] };
        } else {
          const data = await api('GET', 'sessions/' + q(Object.assign({ page_size: 50 }, params)));
          found = { kind: 'filter', sessions: results(data), contacts: [] };
        }
        if (seq !== OB.seq) return;
        OB.found = found;
        renderFound();
      } catch (err) {
        if (seq === OB.seq) report(err, 'search');
      }
    }

    function renderFound() {
      const sec = $('sec-found');
      const ul = $('list-found');
      if (!sec || !ul) return;
      const f = OB.found;
      sec.hidden = !f;
      if (!f) { ul.replaceChildren(); return; }
      const title = $('found-title');
      if (title) title.textContent = f.kind === 'search' ? T.searchResults : T.filtered;
      const shown = new Set(f.sessions.map(function (s) { return s.contact; }));
      const items = f.sessions.map(function (s) {
        return chatItem(s, { noUnread: true, noWait: true, right: T['status_' + s.status] || s.status });
      });
      for (const c of f.contacts) {
        if (shown.has(c.id)) continue;
        const detail = [c.email, c.phone].filter(Boolean).join(' · ');
        items.push(h('li', { class: 'chat-item contact-hit' },
          h('button', { type: 'button', class: 'chat-btn', disabled: !c.session, onclick: function () { if (c.session) openSession(c.session); } },
            h('span', { class: 'ci-main' },
              h('span', { class: 'ci-top' }, h('span', { class: 'ci-name', text: c.name || T.customer }), h('span', { class: 'ci-right', text: T.contactHit })),
              h('span', { class: 'ci-preview', text: c.session ? detail : T.noConversation })))));
      }
      fill('list-found', items, T.nothingFound);
      setCount('count-found', f.sessions.length + f.contacts.filter(function (c) { return !shown.has(c.id); }).length);
    }

    /** A session changed (socket or our own action): the found list follows it. */
    function basicsOnSession(s) {
      const f = OB.found;
      if (!f || !s) return;
      const at = f.sessions.findIndex(function (x) { return x.id === s.id; });
      if (f.kind === 'filter') {
        const belongs = matchesFilter(s, OB.filter, S.me && S.me.id);
        if (belongs && at < 0) f.sessions.unshift(s);
        else if (!belongs && at >= 0) f.sessions.splice(at, 1);
        else if (at >= 0) f.sessions[at] = Object.assign({}, f.sessions[at], s);
      } else if (at >= 0) {
        f.sessions[at] = Object.assign({}, f.sessions[at], s);
      }
      renderFound();
    }

    function wireBasics() {
      const note = $('btn-note');
      if (note) note.addEventListener('click', toggleNote);
      const box = $('search-box');
      if (box) {
        box.addEventListener('input', scheduleFind);
        box.addEventListener('keydown', function (e) {
          if (e.key === 'Escape' && box.value) { e.preventDefault(); e.stopPropagation(); box.value = ''; refreshFound(); }
          if (e.key === 'Enter') { e.preventDefault(); win.clearTimeout(findTimer); refreshFound(); }
        });
      }
      for (const [id, key] of [['filter-assignee', 'assignee'], ['filter-label', 'label']]) {
        const sel = $(id);
        if (sel) sel.addEventListener('change', function () { OB.filter[key] = sel.value; refreshFound(); });
      }
      const clear = $('found-clear');
      if (clear) {
        clear.addEventListener('click', function () {
          if (box) box.value = '';
          OB.filter = { assignee: '', label: '' };
          for (const id of ['filter-assignee', 'filter-label']) if ($(id)) $(id).value = '';
          refreshFound();
        });
      }
      loadLabels();
    }

    /* ---------------------------------------------------------------- wiring */

    function wire() {
      doc.addEventListener('keydown', onKey);
      doc.addEventListener('pointerdown', onFirstGesture, true);
      doc.addEventListener('keydown', onFirstGesture, true);
      const text = $('composer-text');
      text.placeholder = T.placeholder;
      text.addEventListener('input', onComposerInput);
      text.addEventListener('keydown', onComposerKey);
      text.addEventListener('blur', function () { win.setTimeout(hideCanned, 150); });
      $('composer').addEventListener('submit', function (e) { e.preventDefault(); submitComposer(); });
      $('btn-attach').addEventListener('click', function () { $('file-input').click(); });
      $('file-input').addEventListener('change', function (e) {
        const files = Array.from(e.target.files || []);
        e.target.value = '';
        files.forEach(upload);
      });
      $('btn-take').addEventListener('click', function () { const s = currentSession(); if (s) takeSession(s.id); });
      $('btn-close').addEventListener('click', closeSession);
      $('btn-transfer').addEventListener('click', openTransfer);
      if ($('btn-lead')) $('btn-lead').addEventListener('click', createLead);
      if ($('lead-form')) {
        $('lead-form').addEventListener('submit', submitLead);
        $('lead-cancel').addEventListener('click', hideLeadForm);
      }
      wireBasics();
      $('transfer-form').addEventListener('submit', submitTransfer);
      $('transfer-form').addEventListener('keydown', function (e) {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.target.tagName !== 'BUTTON') submitTransfer(e);
      });
      $('tr-group').addEventListener('change', loadTransferOperators);
      $('tr-mode-group').addEventListener('change', syncTransferMode);
      $('tr-mode-operator').addEventListener('change', syncTransferMode);
      for (const m of doc.querySelectorAll('.modal')) {
        m.addEventListener('click', function (e) { if (e.target === m || (e.target.closest && e.target.closest('[data-close]'))) closeModal(m); });
      }
      const help = $('help-btn');
      if (help) help.addEventListener('click', function () { openModal($('help-modal')); });
      const status = $('my-status');
      if (status) status.addEventListener('change', function () { setMyStatus(status.value); });
      doc.addEventListener('visibilitychange', function () {
        if (!doc.hidden) { scheduleRead(); render(); }
      });
      win.addEventListener('online', function () {
        if (!S.socket) { S.attempt = 0; connect(); }
      });
      win.addEventListener('offline', function () { if (!S.ready) setConn('offline'); });
      // live waiting times, and a safety net for messages whose ack never came
      win.setInterval(function () {
        renderLists();
        renderTyping();
        for (const item of S.outbox.overdue(Date.now(), ACK_TIMEOUT_MS)) postViaHttp(item);
        if (win.navigator.onLine !== false) {
          for (const item of S.outbox.toResend()) if (item.state === 'queued') transmit(item);
        }
      }, 5000);
      win.setInterval(tickVisitorClock, 15000); // the visitor's local time in the card
    }

    async function start() {
      wire();
      setConn('connecting');
      await resync();
      const asked = pageRequest(win.location.search, win.location.hash);
      if (asked.view === 'team') showTeam();
      if (asked.session !== null && S.me) openSession(asked.session);
      connect();
    }

    start();
    return { state: S, openSession: openSession };
  }

  if (typeof module !== 'undefined' && module.exports) module.exports = exported;
  if (typeof window !== 'undefined' && typeof document !== 'undefined' && window.document === document &&
      document.getElementById('inbox-bootstrap')) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { window.ccInbox = boot(window); });
    else window.ccInbox = boot(window);
  }
})();
