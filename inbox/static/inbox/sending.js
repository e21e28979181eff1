/* Replies: the outbox of unacknowledged messages, sent over the socket or else HTTP,
 * resent after a reconnect, retried by the operator; file uploads. */
import { win, T, S, api, page } from './state.js';
import { mergeMessages, uuid } from './logic.js';

/* ---------------------------------------------------------------- sending */

export function canWrite(s) {
  return !!(s && S.me && s.status === 'active' && s.operator === S.me.id);
}

export function currentSession() {
  return S.open ? S.sessions.get(S.open.sessionId) || S.open.dialogSessions.get(S.open.sessionId) || null : null;
}

export function sendText(text) {
  const s = currentSession();
  if (!canWrite(s) || !text.trim()) return false;
  const item = S.outbox.add({ client_id: uuid(), session: s.id, dialog: s.dialog, text: text });
  S.open.messages = mergeMessages(S.open.messages, [{
    id: null, client_id: item.client_id, dialog: s.dialog, session: s.id, sender_type: 'operator',
    sender_name: S.me.display_name || S.me.username || T.you, text: text, attachments: [],
    created_at: new Date().toISOString(), internal: false, _local: true,
  }]);
  transmit(item);
  page.renderTimeline(true);
  return true;
}

export function transmit(item) {
  if (page.socketReady() && page.sendFrame({ type: 'message', session: item.session, text: item.text, client_id: item.client_id })) {
    S.outbox.markSent(item.client_id, Date.now());
  } else if (win.navigator.onLine !== false) {
    postViaHttp(item);
  }
}

export async function postViaHttp(item) {
  S.outbox.markSent(item.client_id, Date.now());
  try {
    const m = await api('POST', 'sessions/' + item.session + '/messages/', { text: item.text, client_id: item.client_id });
    page.onAck(item.client_id, m && m.id, m);
  } catch (err) {
    if (!S.outbox.has(item.client_id)) return; // acked meanwhile
    if (!err.status) { S.outbox.requeue(item.client_id); return; } // resent on reconnect
    S.outbox.fail(item.client_id);
    if (err.status === 409 && err.body && err.body.code === 'window_closed' && page.onWindowClosed) page.onWindowClosed(item.session);
    page.renderTimeline();
    page.report(err, 'send');
  }
}

export function flushOutbox() {
  for (const item of S.outbox.toResend()) transmit(item);
}

export function retry(clientId) {
  const item = S.outbox.requeue(clientId);
  if (item) { transmit(item); page.renderTimeline(); }
}

export async function upload(file) {
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
  page.renderTimeline(true);
  const form = new FormData();
  form.append('file', file, file.name);
  form.append('client_id', clientId);
  try {
    const m = await api('POST', 'sessions/' + s.id + '/attachments/', form);
    if (S.open && S.open.token === token) { S.open.messages = mergeMessages(S.open.messages, [m]); page.renderTimeline(); }
  } catch (err) {
    if (S.open && S.open.token === token) {
      S.open.messages = S.open.messages.filter(function (m) { return m.client_id !== clientId || m.id; });
      page.renderTimeline();
    }
    page.report(err, 'upload');
  }
}

// what the other panels call (through page: panels never import each other)
Object.assign(page, { canWrite, currentSession, flushOutbox, retry, sendText });
