/* The transfer dialog: to a group, or to an operator of a group, with a note. */
import { $, h, T, S, api, q, toast, page } from './state.js';
import { upsertSession, transferTargets, apiErrorText, results } from './logic.js';

/* ---------------------------------------------------------------- transfer */

export async function openTransfer() {
  const s = page.currentSession();
  if (!page.canWrite(s)) return;
  const modal = $('transfer-modal');
  const groupSel = $('tr-group');
  const err = $('tr-error');
  err.hidden = true;
  $('tr-note').value = '';
  $('tr-mode-group').checked = true;
  syncTransferMode();
  page.openModal(modal);
  if (!S.groups) {
    try {
      S.groups = results(await api('GET', 'groups/' + q({ page_size: 200 })));
    } catch (e) { page.report(e, 'load'); page.closeModal(modal); return; }
  }
  groupSel.replaceChildren(h('option', { value: '', text: T.chooseGroup }),
    ...S.groups.map(function (g) { return h('option', { value: g.id, text: g.name }); }));
  if (s.group) groupSel.value = String(s.group);
  loadTransferOperators();
  groupSel.focus();
}

export function syncTransferMode() {
  const toOperator = $('tr-mode-operator').checked;
  $('tr-operator-wrap').hidden = !toOperator;
}

export async function loadTransferOperators() {
  const sel = $('tr-operator');
  const g = $('tr-group').value;
  const token = ++S.opsToken;
  sel.replaceChildren(h('option', { value: '', text: T.chooseOperator }));
  if (!g) return;
  try {
    const ops = transferTargets(results(await api('GET', 'operators/' + q({ group: g, page_size: 200 }))), S.me && S.me.id);
    if (token !== S.opsToken) return;
    if (!ops.length) { sel.replaceChildren(h('option', { value: '', text: T.noOperators })); return; }
    sel.append(...ops.map(function (o) {
      const load = (o.active_sessions || 0) + (o.max_sessions ? '/' + o.max_sessions : '');
      return h('option', { value: o.id, text: (o.display_name || o.username) + ' — ' + (T['op_' + o.status] || o.status || '') + ' · ' + load });
    }));
  } catch (e) { if (token === S.opsToken) page.report(e, 'load'); }
}

export async function submitTransfer(e) {
  if (e) e.preventDefault();
  const s = page.currentSession();
  if (!page.canWrite(s) || S.transferring) return;
  const toOperator = $('tr-mode-operator').checked;
  const target = toOperator ? $('tr-operator').value : $('tr-group').value;
  const err = $('tr-error');
  if (!target) { err.textContent = T.chooseTarget; err.hidden = false; return; }
  const body = toOperator ? { operator: Number(target) } : { group: Number(target) };
  const note = $('tr-note').value.trim();
  if (note) body.note = note;
  S.transferring = true;
  try {
    const res = await api('POST', 'sessions/' + s.id + '/transfer/', body);
    for (const x of [res && res.closed, res && res.opened]) {
      if (x) { upsertSession(S.sessions, x); if (S.open && x.dialog === S.open.dialogId) S.open.dialogSessions.set(x.id, S.sessions.get(x.id)); }
    }
    page.closeModal($('transfer-modal'));
    toast(T.transferred, 'ok');
    page.render();
    page.refreshOpen();
    // the contact card's timeline lists this chat's sessions: it changed
    page.contactTimelineSoon();
  } catch (e2) {
    if (e2.status === 400 || e2.status === 409) { err.textContent = apiErrorText(e2.status, e2.body, { action: 'transfer' }, T); err.hidden = false; } else { page.closeModal($('transfer-modal')); page.report(e2, 'transfer'); }
  } finally {
    S.transferring = false;
  }
}

// what the other panels call (through page: panels never import each other)
Object.assign(page, { openTransfer });
