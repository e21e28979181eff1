/* The operator socket's frames and what they change on the page (the connection
 * itself is the common OperatorSocket). */
import { win, doc, BOOT, T, S, toast, toLogin, page } from './state.js';
import { OperatorSocket } from '../contactcenter/common/socket.js';
import { PING_EVERY_MS, SILENCE_LIMIT_MS, TYPING_SHOW_MS, RESEND_UNAVAILABLE_MS, mergeMessages, withKept, upsertSession, contactName, fmt, backoffDelay } from './logic.js';

/* ---------------------------------------------------------------- the socket */

// The connection itself (ping, silence, backoff) is the common operator socket; this
// module says what its frames mean for the inbox.

/** Connected and greeted by the server: frames sent now are handled at once. */
export function socketReady() {
  return !!(S.socket && S.socket.isOpen() && S.ready);
}

/** Opens the operator socket (once per page; it reconnects by itself). */
export function connect() {
  if (!S.socket) {
    S.socket = new OperatorSocket(win, {
      path: BOOT.socket_path, pingMs: PING_EVERY_MS, silenceMs: SILENCE_LIMIT_MS, backoff: backoffDelay,
      onState: function (state) { S.ready = false; page.setConn(state); },
      onFrame: handleEvent,
      onClose: function (code) {
        S.ready = false;
        if (code === 4401) { toLogin(); return true; }
        return false;
      },
    });
  }
  S.socket.connect();
}

/** The network is back: reconnect at once rather than after the backoff. */
export function reconnectNow() {
  if (S.socket) S.socket.retryNow();
  else connect();
}

export function sendFrame(frame) {
  return !!S.socket && S.socket.send(frame);
}

export function handleEvent(ev) {
  switch (ev.type) {
    case 'hello': return onHello(ev);
    case 'session.assigned': return onSession(ev.session, true);
    case 'session.updated': return onSession(ev.session, false);
    case 'message.created': if (page.slaReplied) page.slaReplied(ev.message); return onMessage(ev.message);
    case 'message.status': return page.onDeliveryStatus(ev.message);
    case 'message.updated': return page.onMessageUpdated ? page.onMessageUpdated(ev.message) : undefined; // its translation
    case 'queue.updated': return onQueue(ev);
    case 'typing': return onTyping(ev.session);
    case 'alert': return onAlert(ev);
    case 'sla.warning': case 'sla.breached': return page.onSlaAlert && page.onSlaAlert(ev);
    case 'ack': return onAck(ev.client_id, ev.id, null);
    case 'error': return onSocketError(ev);
    case 'resync': return page.resync(); // pushes may have been lost (the server's layer was down)
    case 'visitor.updated': return page.onVisitorUpdated(ev);
    case 'suggestions': return page.onSuggestions ? page.onSuggestions(ev) : undefined;
    default: return undefined; // pong and anything newer
  }
}

export function onHello(ev) {
  S.socket.hello();
  S.ready = true;
  if (S.me && ev.operator) {
    if (ev.operator.status) S.me.status = ev.operator.status;
    page.renderStatus();
  }
  page.setConn('online');
  page.resync().then(page.flushOutbox);
}

export function onSession(session, assigned) {
  if (!session || session.id === undefined) return;
  const before = S.sessions.get(session.id);
  if (S.open && session.dialog === S.open.dialogId && S.open.contactId &&
      (!before || (session.status && before.status !== session.status))) {
    page.contactTimelineSoon();
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
  page.basicsOnSession(s);
  if (S.open && s.dialog === S.open.dialogId) page.panelsOnSession();
  if (isNewForMe) {
    page.notify(fmt(T.newChat, { name: contactName(s, T) }), page.previewText(s.last_message), s.id);
  }
  page.render();
}

export function onMessage(m) {
  if (!m || m.id === undefined) return;
  const out = m.client_id && S.outbox.ack(m.client_id);
  const s = m.session !== null && m.session !== undefined ? S.sessions.get(m.session) : null;
  const openHere = !!(S.open && m.dialog === S.open.dialogId);
  if (openHere) {
    S.open.messages = mergeMessages(S.open.messages, withKept(m, S.open.early));
    if (m.sender_type === 'contact') { S.typingUntil = 0; page.renderTyping(); }
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
        page.notify(fmt(T.newMessage, { name: m.sender_name || contactName(s, T) }), page.previewText(m), s.id);
      }
    }
  }
  if (openHere) { page.renderTimeline(); page.scheduleRead(); page.panelsOnMessage(m); }
  page.renderLists();
}

export function onQueue(ev) {
  const prev = S.queues.get(ev.group) || { group: ev.group, name: '' };
  S.queues.set(ev.group, Object.assign({}, prev, { size: ev.size, oldest_queued_at: ev.oldest_queued_at === undefined ? prev.oldest_queued_at : ev.oldest_queued_at }));
  if ((S.expanded.has(ev.group) || page.supervises(ev.group)) && !S.queueReload.has(ev.group)) {
    S.queueReload.set(ev.group, win.setTimeout(function () {
      S.queueReload.delete(ev.group);
      const job = page.supervises(ev.group) ? page.loadTeamGroup(ev.group) : page.loadQueued(ev.group);
      job.then(page.renderLists, function () {});
    }, 400));
  }
  page.renderLists();
}

/** Supervisors hear when routing had to step down its ladder. */
export function onAlert(ev) {
  const s = ev.session;
  if (s && s.id !== undefined) upsertSession(S.sessions, s);
  const text = T['alert_' + ev.kind];
  if (!text) { page.renderLists(); return; }
  toast(fmt(text, { name: (s && s.contact_name) || T.customer, operator: ev.operator || T.unassigned }), 'info');
  page.renderLists();
}

export function onTyping(sessionId) {
  if (!S.open) return;
  const s = S.sessions.get(sessionId);
  if (sessionId !== S.open.sessionId && !(s && s.dialog === S.open.dialogId)) return;
  S.typingUntil = Date.now() + TYPING_SHOW_MS;
  page.renderTyping();
  win.clearTimeout(S.typingTimer);
  S.typingTimer = win.setTimeout(page.renderTyping, TYPING_SHOW_MS + 50);
}

export function onAck(clientId, id, message) {
  const item = S.outbox.ack(clientId);
  if (S.open && (item ? item.dialog === S.open.dialogId : true)) {
    const local = S.open.messages.find(function (m) { return m.client_id === clientId; });
    if (local || message) {
      const merged = Object.assign({}, local || {}, message || {}, { id: id, client_id: clientId });
      delete merged._local;
      S.open.messages = mergeMessages(S.open.messages, [merged]);
      page.renderTimeline();
    }
  }
}

export function onSocketError(ev) {
  // The server could not store it for a moment (its database restarting): it goes
  // again shortly with the same client_id (stored once), without alarming anyone.
  if (ev.code === 'unavailable' && ev.client_id && S.outbox.has(ev.client_id)) {
    win.setTimeout(function () { page.retry(ev.client_id); }, RESEND_UNAVAILABLE_MS);
    return;
  }
  if (ev.code === 'window_closed' && ev.client_id && S.outbox.has(ev.client_id) && page.onWindowClosed) {
    page.onWindowClosed(S.outbox.get(ev.client_id).session);
  }
  if (ev.client_id && S.outbox.has(ev.client_id)) {
    S.outbox.fail(ev.client_id);
    page.renderTimeline();
  }
  toast(fmt(T.err_socket, { detail: ev.detail || ev.code || '?' }), 'error');
}

// what the other panels call (through page: panels never import each other)
Object.assign(page, { onAck, onSession, sendFrame, socketReady });
