/* SLA alerts for supervisors: the server's sla.warning and sla.breached frames (a chat
 * nobody has answered has waited 80 % of its group's target, or reached it) become a
 * toast, a mark on the chat in the lists and a short sound, which the supervisor can
 * turn off with the bell in the top bar (kept in localStorage, per browser).
 * A panel module: it adds page.onSlaAlert and page.slaMark (state.js's page). */
import { win, $, T, S, LANG, toast, page } from './state.js';
import { slaAlertText, SLA_SOUND_KEY, soundOn } from './sla_alerts_logic.js';

function storage() {
  try { return win.localStorage || null; } catch (e) { return null; }
}

function marks() {
  if (!S.slaMarks) S.slaMarks = new Map(); // session id -> 'warning' | 'breached'
  return S.slaMarks;
}

/** The level of the alert a chat got, while it waits unanswered; null otherwise. */
export function slaMark(session) {
  const level = marks().get(session.id);
  if (!level) return null;
  if (session.first_response_at || session.status === 'closed') { marks().delete(session.id); return null; }
  return level;
}

/** An operator's reply (not a private note) answers the chat: its mark goes. */
export function slaReplied(message) {
  if (message && message.sender_type === 'operator' && !message.internal) marks().delete(message.session);
}

export function onSlaAlert(ev) {
  const level = ev.type === 'sla.breached' ? 'breached' : 'warning';
  marks().set(ev.session, level);
  const s = S.sessions.get(ev.session);
  const name = ev.contact_name || (s && s.contact_name) || T.customer;
  toast(slaAlertText(ev, name, T, LANG), level === 'breached' ? 'error' : 'info');
  if (soundOn(storage())) page.beep();
  page.renderLists();
}

function renderBell() {
  const btn = $('sla-sound');
  if (!btn) return;
  const on = soundOn(storage());
  btn.hidden = !(S.me && S.me.supervised_groups && S.me.supervised_groups.length);
  btn.setAttribute('aria-pressed', String(on));
  btn.textContent = on ? '🔔' : '🔕';
  btn.title = on ? T.slaSoundOn : T.slaSoundOff;
  btn.setAttribute('aria-label', btn.title);
}

function toggleSound() {
  const store = storage();
  if (store) { try { store.setItem(SLA_SOUND_KEY, soundOn(store) ? 'off' : 'on'); } catch (e) { /* private mode */ } }
  renderBell();
}

export function wireSlaAlerts() {
  const btn = $('sla-sound');
  if (btn) btn.addEventListener('click', toggleSound);
  renderBell();
}

Object.assign(page, { onSlaAlert, slaMark, slaReplied, renderSlaBell: renderBell });
