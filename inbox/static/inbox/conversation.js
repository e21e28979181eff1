/* The open chat: its header and actions (take, close, status), read marks, opening a
 * chat and catching it up, the timeline, and the slots for panels (panels.js). */
import { win, doc, $, h, T, LANG, S, api, q, when, toast, isEditable, page } from './state.js';
import { deliveryAdvances, deliveryMark, messageKey, mergeMessages, applyEarly, lastMessageId, buildTimeline, upsertSession, deriveLists, contactName, isImage, formatSize, fmt, results, safeUrl } from './logic.js';
import { createPanelRegistry } from './panels.js';

/* ---------------------------------------------------------------- actions */

export async function takeSession(id) {
  try {
    const s = await api('POST', 'sessions/' + id + '/take/');
    upsertSession(S.sessions, s);
    toast(T.takenOk, 'ok');
    openSession(s.id);
  } catch (err) {
    page.report(err, 'take');
  }
}

export async function closeSession() {
  const s = page.currentSession();
  if (!page.canWrite(s)) return;
  const ids = deriveLists(S.sessions, S.me).mine.map(function (x) { return x.id; });
  try {
    const closed = await api('POST', 'sessions/' + s.id + '/close/');
    upsertSession(S.sessions, closed);
    if (S.open) S.open.dialogSessions.set(closed.id, S.sessions.get(closed.id));
    toast(T.closedOk, 'ok');
    // move on to the chat that took this one's place in the list
    const rest = ids.filter(function (x) { return x !== s.id; });
    if (rest.length) openSession(rest[Math.min(Math.max(0, ids.indexOf(s.id)), rest.length - 1)]);
    else page.render();
  } catch (err) {
    page.report(err, 'close');
  }
}

export async function setMyStatus(status) {
  const previous = S.me && S.me.status;
  try {
    S.me = Object.assign({}, S.me, await api('PATCH', 'operators/me/', { status: status }));
    page.sendFrame({ type: 'status', status: status });
  } catch (err) {
    if (S.me) S.me.status = previous;
    page.report(err, 'status');
  }
  page.renderStatus();
}

export function scheduleRead() {
  win.clearTimeout(S.readTimer);
  S.readTimer = win.setTimeout(markRead, 300);
}

export async function markRead() {
  if (!S.open || doc.hidden) return;
  const s = S.sessions.get(S.open.sessionId);
  if (!s || !page.canWrite(s)) return;
  const last = lastMessageId(S.open.messages);
  if (!last || (s._readUpTo || 0) >= last) return;
  s._readUpTo = last;
  const hadUnread = Number(s.unread_count) > 0;
  s.unread_count = 0;
  if (hadUnread) page.renderLists();
  try {
    await api('POST', 'sessions/' + s.id + '/read/', { message: last });
  } catch (err) {
    s._readUpTo = 0; // try again with the next message; nothing to tell the operator
  }
}

/* ---------------------------------------------------------------- panel slots */

// The panels that later features add (see panels.js): one registry for the page.
const panels = createPanelRegistry();

/** Plugs a panel into a slot of the conversation view; returns its unregister function. */
export function registerPanel(panel) {
  return panels.register(panel);
}

function panelContext(panel) {
  const open = S.open;
  return {
    el: $('slot-' + panel.slot), session: page.currentSession(), dialogId: open ? open.dialogId : null,
    messages: open ? open.messages : [], h: h, api: api, T: T, lang: LANG,
  };
}

function showFilledSlots() {
  for (const slot of panels.slotsInUse()) {
    const el = $('slot-' + slot);
    if (el) el.hidden = !S.open || !el.childNodes.length;
  }
}

/** The open chat changed, or its session did: every panel redraws. */
export function panelsOnSession() {
  if (!panels.size || !S.open) return;
  panels.emit('session', panelContext);
  showFilledSlots();
}

/** A new message arrived in the open chat. */
export function panelsOnMessage(message) {
  if (!panels.size || !S.open) return;
  panels.emit('message', panelContext, message);
  showFilledSlots();
}

/* ---------------------------------------------------------------- opening a chat */

export async function openSession(id) {
  if (id === null || id === undefined) return;
  let s = S.sessions.get(id);
  if (!s) {
    try { s = upsertSession(S.sessions, await api('GET', 'sessions/' + id + '/')); } catch (err) { page.report(err, 'open'); return; }
  }
  const token = ++S.openSeq;
  const sameDialog = S.open && S.open.dialogId === s.dialog;
  S.open = {
    token: token, sessionId: s.id, dialogId: s.dialog, contactId: s.contact,
    messages: sameDialog ? S.open.messages : [], dialogSessions: sameDialog ? S.open.dialogSessions : new Map([[s.id, s]]),
    contact: sameDialog ? S.open.contact : null, loading: !sameDialog,
    early: sameDialog ? S.open.early : new Map(), seq: sameDialog ? S.open.seq : 0,
  };
  S.typingUntil = 0;
  if (win.history && win.history.replaceState) win.history.replaceState(null, '', '#session-' + s.id);
  page.hideCanned();
  const text = $('composer-text');
  if (text && !sameDialog) { text.value = ''; page.autoGrow(); }
  page.render();
  renderTimeline(true);
  if (!sameDialog) page.renderContact();
  await refreshOpen();
  if (S.open && S.open.token === token) {
    S.open.loading = false;
    renderTimeline(true);
    panelsOnSession();
    if (page.canWrite(s) && text && !isEditable(doc.activeElement)) text.focus();
  }
  if (!sameDialog) page.loadContact(token);
}

export async function fetchMessages(dialogId, after) {
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
export async function refreshOpen() {
  const open = S.open;
  if (!open) return;
  const token = open.token;
  const since = open.seq || 0; // the updates that come while this fetch is on its way
  try {
    const [sessionsData, messages] = await Promise.all([
      api('GET', 'sessions/' + q({ dialog: open.dialogId, page_size: 200 })),
      fetchMessages(open.dialogId, lastMessageId(open.messages)),
    ]);
    if (!S.open || S.open.token !== token) return;
    for (const s of results(sessionsData)) open.dialogSessions.set(s.id, upsertSession(S.sessions, s));
    open.messages = applyEarly(mergeMessages(open.messages, messages), open.early, since);
    page.render();
    renderTimeline();
    scheduleRead();
  } catch (err) {
    if (S.open && S.open.token === token) page.report(err, 'open');
  }
}

/* ---------------------------------------------------------------- rendering: the chat */

export function renderHeader() {
  const empty = $('chat-empty');
  const chat = $('chat');
  if (!chat) return;
  const s = page.currentSession();
  if (empty) empty.hidden = !!s;
  chat.hidden = !s;
  if (!s) return;
  $('chat-name').textContent = contactName(s, T);
  const meta = $('chat-meta');
  const bits = [T['ch_' + s.channel_type] || s.channel_type, s.group_name, s.topic_title,
    T['status_' + s.status] + (s.status === 'closed' && s.close_reason ? ' · ' + (T['reason_' + s.close_reason] || s.close_reason) : ''),
    s.operator && S.me && s.operator !== S.me.id ? s.operator_name : null];
  meta.replaceChildren(page.channelBadge(s), h('span', { text: bits.filter(Boolean).join(' · ') }));
  const mine = page.canWrite(s);
  $('btn-take').hidden = s.status !== 'queued';
  $('btn-transfer').hidden = !mine;
  $('btn-close').hidden = !mine;
  $('chat-readonly').hidden = mine || s.status === 'queued';
}

export function renderComposer() {
  const s = page.currentSession();
  const form = $('composer');
  if (!form || !s) return;
  const mine = page.canWrite(s);
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
  if (!mine) page.hideCanned();
  page.renderUnfilled();
  page.renderNoteMode();
  if (page.renderReplyWindow) page.renderReplyWindow(s);
}

export function renderTyping() {
  const el = $('typing');
  if (el) el.hidden = !(S.open && S.typingUntil > Date.now());
}


export function separatorEl(item) {
  const s = item.session || (S.open && S.open.dialogSessions.get(item.sessionId)) || S.sessions.get(item.sessionId);
  const bits = s ? [s.group_name || T.noGroup, s.operator_name || T.unassigned, when(s.created_at)] : [fmt(T.sessionN, { id: item.sessionId })];
  if (s && s.topic_title) bits.splice(1, 0, s.topic_title);
  return h('div', { class: 'sep', role: 'separator' }, h('span', { text: bits.filter(Boolean).join(' · ') }));
}

export function attachmentEl(att, onLoad) {
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

export function messageEl(m) {
  const pending = m.id === null || m.id === undefined;
  const item = pending ? S.outbox.get(m.client_id) : null;
  const state = pending ? (item ? item.state : (m._upload ? 'upload' : 'sent')) : 'done';
  const extra = page.messageExtra ? page.messageExtra(m) : null; // e-mail: subject, formatted (email.js)
  const sig = [m.id, m.text, (m.attachments || []).length, state, m.sender_name, m.internal, m.status, extra ? extra.sig : '', m.translation_status || '', JSON.stringify(m.translations || {})].join('|');
  const key = messageKey(m);
  const cached = S.msgCache.get(key);
  if (cached && cached.sig === sig) return cached.el;
  const type = ['contact', 'operator', 'bot', 'system'].indexOf(m.sender_type) >= 0 ? m.sender_type : 'system';
  const cls = ['msg', 'from-' + type];
  if (m.internal) cls.push('internal');
  if (pending) cls.push('pending');
  if (state === 'failed') cls.push('failed');
  let el;
  if (type === 'system' && !m.internal) {
    el = h('div', { class: cls.join(' ') }, h('span', { class: 'text', text: m.text || '' }), h('time', { text: when(m.created_at), datetime: m.created_at }), deliveryEl(m));
  } else {
    const name = type === 'contact' ? (m.sender_name || contactName(page.currentSession(), T)) : (m.sender_name || (type === 'bot' ? T.status_bot : T.you));
    const meta = h('div', { class: 'msg-meta' }, h('time', { text: when(m.created_at), datetime: m.created_at || '' }));
    if (state === 'queued' || state === 'sent') meta.append(h('span', { class: 'state', text: T.sending }));
    if (state === 'upload') meta.append(h('span', { class: 'state', text: fmt(T.uploading, { name: m._upload }) }));
    if (state === 'failed') {
      meta.append(h('span', { class: 'state err', text: T.notSent }),
        h('button', { type: 'button', class: 'link page.retry', text: T.retry, onclick: function () { page.retry(m.client_id); } }));
    }
    const bubble = h('div', { class: 'bubble' },
      h('div', { class: 'msg-head' }, h('span', { class: 'sender', text: name }), m.internal ? h('span', { class: 'tag-internal', text: T.internalNote }) : null),
      extra && extra.head, m.text && !(extra && extra.hideText) ? h('div', { class: 'text', text: m.text }) : null, extra && extra.node,
      page.messageTranslation ? page.messageTranslation(m) : null); // translation.js
    const atts = (m.attachments || []).filter(Boolean);
    if (atts.length) bubble.append(h('div', { class: 'atts' }, ...atts.map(function (a) { return attachmentEl(a, stickToBottom); })));
    const delivery = deliveryEl(m);
    if (delivery) meta.append(delivery);
    bubble.append(meta);
    el = h('div', { class: cls.join(' ') }, bubble);
  }
  S.msgCache.set(key, { sig: sig, el: el });
  return el;
}

/** How far a message to the contact on an external channel got: a clock, one tick,
 * two ticks, two blue ticks, or "not delivered" with a button that sends it again. */
export function deliveryEl(m) {
  const mark = deliveryMark(m.status);
  if (!mark) return null;
  const label = T['delivery_' + m.status] || m.status;
  const el = h('span', { class: 'delivery delivery-' + m.status, title: label, 'aria-label': label, text: m.status === 'failed' ? label : mark });
  if (m.status !== 'failed') return el;
  return h('span', { class: 'delivery-failed-box' }, el,
    h('button', { type: 'button', class: 'link retry', text: T.retry, onclick: function () { retryDelivery(m); } }));
}

export async function retryDelivery(m) {
  const s = page.currentSession();
  if (!s || !S.open) return;
  try {
    const fresh = await api('POST', 'sessions/' + s.id + '/messages/' + m.id + '/retry/');
    S.open.messages = mergeMessages(S.open.messages, [Object.assign({}, m, fresh)]);
    renderTimeline();
  } catch (err) {
    page.report(err, 'retry');
  }
}

/** A delivery status shown where a frame or a reload reports it. */
export function onDeliveryStatus(update) {
  if (!update || !S.open || update.dialog !== S.open.dialogId) return;
  const m = S.open.messages.find(function (x) { return x.id === update.id; });
  if (!m || !deliveryAdvances(m.status, update.status)) return;
  S.open.messages = mergeMessages(S.open.messages, [Object.assign({}, m, { status: update.status })]);
  renderTimeline();
}

export function stickToBottom() {
  const box = $('timeline');
  if (box && S.wasAtBottom) box.scrollTop = box.scrollHeight;
}

export function renderTimeline(forceBottom) {
  const box = $('timeline');
  if (!box) return;
  if (!S.open) { box.replaceChildren(); S.msgCache.clear(); return; }
  S.wasAtBottom = forceBottom || box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const nodes = [];
  if (S.open.loading && !S.open.messages.length) nodes.push(h('div', { class: 'loading', 'aria-busy': 'true' }));
  const used = new Set();
  for (const item of buildTimeline(S.open.messages, S.open.dialogSessions)) {
    if (item.kind === 'separator') nodes.push(separatorEl(item));
    else { nodes.push(messageEl(item.message)); used.add(messageKey(item.message)); }
  }
  for (const key of Array.from(S.msgCache.keys())) if (!used.has(key)) S.msgCache.delete(key);
  box.replaceChildren.apply(box, nodes);
  stickToBottom();
}

// what the other panels call (through page: panels never import each other)
Object.assign(page, { closeSession, onDeliveryStatus, openSession, panelsOnMessage, panelsOnSession, refreshOpen, renderComposer, renderHeader, renderTimeline, renderTyping, scheduleRead, takeSession });
