/* WhatsApp's 24-hour window in the composer: when it has closed the composer says so,
 * free-form replies and files are off, and a picker sends an approved template instead
 * (GET/POST sessions/{id}/templates/ and messages/). */
import { $, h, T, S, api, toast, page } from './state.js';
import { mergeMessages, uuid } from './logic.js';
import { templateLabel, templatePreview, templateRequest, windowClosed } from './reply_window_logic.js';

// session id -> last_contact_message_at when the server said window_closed
const refused = new Map();
let picker = null; // {sessionId, templates, chosen, params}

function closedFor(s) {
  return windowClosed(s, Date.now(), refused.has(s.id) ? refused.get(s.id) : undefined);
}

/** Called by the composer's render: the notice and the picker for a closed window. */
export function renderReplyWindow(s) {
  const box = $('reply-window');
  if (!box) return;
  const closed = !!(s && page.canWrite(s) && closedFor(s));
  box.hidden = !closed;
  if (!closed) {
    if (picker && (!s || picker.sessionId !== s.id)) picker = null;
    box.replaceChildren();
    box.dataset.sig = '';
    return;
  }
  $('composer-text').disabled = true;
  $('btn-send').disabled = true;
  $('btn-attach').disabled = true;
  // redrawn only when what it shows changes, so typing a parameter keeps its focus
  const sig = [s.id, picker && picker.sessionId === s.id ? 'p' + picker.chosen + '/' + picker.templates.length : 'n'].join('|');
  if (box.dataset.sig === sig && box.childElementCount) return;
  box.dataset.sig = sig;
  const notice = h('p', { class: 'rw-notice', role: 'status', text: T.windowClosed });
  const open = h('button', { type: 'button', class: 'btn-primary', id: 'btn-template', text: T.templateChoose, onclick: function () { loadTemplates(s.id); } });
  box.replaceChildren(notice, picker && picker.sessionId === s.id ? pickerEl(s) : open);
}

/** The server refused a reply in this session as outside the window. */
export function onWindowClosed(sessionId) {
  const s = S.sessions.get(sessionId) || (S.open && S.open.dialogSessions.get(sessionId));
  refused.set(sessionId, s ? s.last_contact_message_at || null : null);
  page.renderComposer();
}

async function loadTemplates(sessionId) {
  try {
    const state = await api('GET', 'sessions/' + sessionId + '/templates/');
    picker = { sessionId: sessionId, templates: state.templates || [], chosen: 0, params: [] };
  } catch (err) { page.report(err, 'send'); return; }
  page.renderComposer();
}

function pickerEl(s) {
  if (!picker.templates.length) return h('p', { class: 'rw-empty', text: T.templateNone });
  const chosen = picker.templates[picker.chosen];
  const select = h('select', { id: 'template-select', 'aria-label': T.templateLabel, onchange: function (e) { picker.chosen = Number(e.target.value); picker.params = []; page.renderComposer(); } },
    ...picker.templates.map(function (t, i) { return h('option', { value: String(i), text: templateLabel(t), selected: i === picker.chosen }); }));
  const preview = h('p', { class: 'rw-preview', id: 'template-preview', text: templatePreview(chosen.body, picker.params) });
  const inputs = [];
  for (let i = 0; i < (chosen.param_count || 0); i++) {
    inputs.push(h('input', {
      type: 'text', class: 'rw-param', 'data-param': String(i + 1), value: picker.params[i] || '',
      placeholder: '{{' + (i + 1) + '}}', 'aria-label': T.templateParam.replace('{n}', String(i + 1)),
      oninput: function (e) { picker.params[i] = e.target.value; preview.textContent = templatePreview(chosen.body, picker.params); },
    }));
  }
  const send = h('button', { type: 'button', class: 'btn-primary', id: 'btn-template-send', text: T.templateSend, onclick: function () { sendTemplate(s); } });
  const cancel = h('button', { type: 'button', class: 'btn-ghost', text: T.templateCancel, onclick: function () { picker = null; page.renderComposer(); } });
  return h('div', { class: 'rw-picker' }, select, ...inputs, preview, h('div', { class: 'rw-actions' }, send, cancel));
}

async function sendTemplate(s) {
  const body = templateRequest(picker.templates[picker.chosen], picker.params, uuid());
  if (!body) { toast(T.templateIncomplete, 'error'); return; }
  const token = S.open && S.open.token;
  try {
    const m = await api('POST', 'sessions/' + s.id + '/messages/', body);
    picker = null;
    if (S.open && S.open.token === token) { S.open.messages = mergeMessages(S.open.messages, [m]); page.renderTimeline(true); }
    toast(T.templateSent, 'ok');
  } catch (err) { page.report(err, 'send'); }
  page.renderComposer();
}

// what the other panels call (through page: panels never import each other)
Object.assign(page, { onWindowClosed, renderReplyWindow });
