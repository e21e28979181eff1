/* Private notes (the composer's note mode), the search box and filters above the lists,
 * and the labels of the open chat. */
import { win, $, h, T, S, OB, api, q, page } from './state.js';
import { mergeMessages, searchText, filterParams, matchesFilter, labelsToAdd, labelColor, fmt, results, uuid } from './logic.js';

/* ---------------------------------------------------------------- notes, search, labels */

// Private notes from the composer (note mode), the search box and filters above the
// lists, and the labels of the open chat. Kept apart from the rest of the page.

export function noteMode() {
  const s = page.currentSession();
  return !!(OB.noteMode && s && OB.noteSession === s.id);
}

export function toggleNote() {
  const s = page.currentSession();
  if (!s || !S.me) return;
  OB.noteMode = !noteMode();
  OB.noteSession = s.id;
  page.renderComposer();
  const t = $('composer-text');
  if (t && !t.disabled) t.focus();
}

export function renderNoteMode() {
  const btn = $('btn-note');
  const form = $('composer');
  const text = $('composer-text');
  const send = $('btn-send');
  if (!form || !text || !send) return;
  const on = noteMode();
  if (btn) {
    btn.disabled = !page.currentSession();
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

export async function submitNote() {
  const t = $('composer-text');
  const s = page.currentSession();
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
  page.autoGrow();
  page.hideCanned();
  page.renderTimeline(true);
  try {
    const m = await api('POST', 'sessions/' + s.id + '/notes/', { text: text, client_id: clientId });
    if (S.open && S.open.token === token) { S.open.messages = mergeMessages(S.open.messages, [m]); page.renderTimeline(); }
  } catch (err) {
    if (S.open && S.open.token === token) {
      S.open.messages = S.open.messages.filter(function (m) { return m.client_id !== clientId || m.id; });
      page.renderTimeline();
      if (!t.value) { t.value = text; page.autoGrow(); }
    }
    page.report(err, 'note');
  }
}

export function labelChip(l, onRemove) {
  const dot = h('span', { class: 'label-dot', 'aria-hidden': 'true' });
  dot.style.backgroundColor = labelColor(l.color);
  const chip = h('span', { class: 'label-chip' }, dot, h('span', { class: 'label-name', text: l.name }));
  if (onRemove) {
    chip.append(h('button', { type: 'button', class: 'label-x', 'aria-label': fmt(T.removeLabel, { name: l.name }), title: fmt(T.removeLabel, { name: l.name }), text: '×', onclick: onRemove }));
  }
  return chip;
}

export function labelDots(s) {
  const labels = (s && s.labels) || [];
  if (!labels.length) return null;
  return h('span', { class: 'ci-labels' }, ...labels.map(function (l) { return labelChip(l, null); }));
}

export function renderChatLabels() {
  const box = $('chat-labels');
  if (!box) return;
  const s = page.currentSession();
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

export async function changeLabel(sessionId, method, labelId) {
  try {
    const s = await api(method, 'sessions/' + sessionId + '/labels/' + (method === 'DELETE' ? labelId + '/' : ''), method === 'POST' ? { label: labelId } : undefined);
    page.onSession(s, false);
  } catch (err) {
    page.report(err, 'label');
  }
}

export async function loadLabels() {
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
  page.render();
}

export function focusSearch() {
  const box = $('search-box');
  if (box) { box.focus(); if (box.select) box.select(); }
}

export function scheduleFind() {
  win.clearTimeout(S.findTimer);
  S.findTimer = win.setTimeout(refreshFound, 250);
}

/** The found list: search results while the box has text, else the filtered chats. */
export async function refreshFound() {
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
    if (seq === OB.seq) page.report(err, 'search');
  }
}

export function renderFound() {
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
    return page.chatItem(s, { noUnread: true, noWait: true, right: T['status_' + s.status] || s.status });
  });
  for (const c of f.contacts) {
    if (shown.has(c.id)) continue;
    const detail = [c.email, c.phone].filter(Boolean).join(' · ');
    items.push(h('li', { class: 'chat-item contact-hit' },
      h('button', { type: 'button', class: 'chat-btn', disabled: !c.session, onclick: function () { if (c.session) page.openSession(c.session); } },
        h('span', { class: 'ci-main' },
          h('span', { class: 'ci-top' }, h('span', { class: 'ci-name', text: c.name || T.customer }), h('span', { class: 'ci-right', text: T.contactHit })),
          h('span', { class: 'ci-preview', text: c.session ? detail : T.noConversation })))));
  }
  page.fill('list-found', items, T.nothingFound);
  page.setCount('count-found', f.sessions.length + f.contacts.filter(function (c) { return !shown.has(c.id); }).length);
}

/** A session changed (socket or our own action): the found list follows it. */
export function basicsOnSession(s) {
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

export function wireBasics() {
  const note = $('btn-note');
  if (note) note.addEventListener('click', toggleNote);
  const box = $('search-box');
  if (box) {
    box.addEventListener('input', scheduleFind);
    box.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && box.value) { e.preventDefault(); e.stopPropagation(); box.value = ''; refreshFound(); }
      if (e.key === 'Enter') { e.preventDefault(); win.clearTimeout(S.findTimer); refreshFound(); }
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

// what the other panels call (through page: panels never import each other)
Object.assign(page, { basicsOnSession, focusSearch, labelDots, noteMode, renderChatLabels, renderNoteMode, submitNote, toggleNote });
