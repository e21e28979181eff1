/* The page around the chats: modals, keyboard shortcuts, the connection state, the
 * operator's status, the banner, and notifications (beep, browser notification). */
import { win, doc, $, T, S, isEditable, page } from './state.js';
import { deriveLists, nextChatId } from './logic.js';

/* ---------------------------------------------------------------- modals, keys */

export function openModal(modal) {
  S.lastFocus = doc.activeElement;
  modal.hidden = false;
}

export function closeModal(modal) {
  if (!modal || modal.hidden) return;
  modal.hidden = true;
  if (S.lastFocus && S.lastFocus.focus) S.lastFocus.focus();
}

export function topModal() {
  return Array.from(doc.querySelectorAll('.modal')).find(function (m) { return !m.hidden; }) || null;
}

export function moveChat(dir) {
  const ids = deriveLists(S.sessions, S.me).mine.map(function (s) { return s.id; });
  const next = nextChatId(ids, S.open && S.open.sessionId, dir);
  if (next !== null) page.openSession(next);
}

export function onKey(e) {
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
      case 'KeyC': page.closeSession(); break;
      case 'KeyT': page.openTransfer(); break;
      case 'KeyK': focusComposer(); break;
      case 'KeyN': page.toggleNote(); break;
      case 'KeyS': page.focusSearch(); break;
      case 'Digit1': case 'Digit2': case 'Digit3': done = !!page.insertSuggestion && page.insertSuggestion(Number(e.code.slice(5))); break;
      default: done = false;
    }
    if (done) e.preventDefault();
    return;
  }
  if (e.ctrlKey || e.metaKey || isEditable(e.target)) return;
  if (e.key === '/') { e.preventDefault(); focusComposer(); }
  else if (e.key === '?') { e.preventDefault(); openModal($('help-modal')); }
}

export function focusComposer() {
  const t = $('composer-text');
  if (t && !t.disabled) t.focus();
}

/* ---------------------------------------------------------------- header bits */

export function setConn(state) {
  const el = $('conn');
  if (!el) return;
  const text = { connecting: T.connecting, reconnecting: T.reconnecting, offline: T.offlineNet }[state] || '';
  el.textContent = text;
  el.hidden = !text;
  el.className = 'conn conn-' + state;
}

export function renderStatus() {
  const sel = $('my-status');
  if (!sel || !S.me) return;
  sel.value = S.me.status || 'offline';
  sel.disabled = false;
  const wrap = sel.closest('.status-switch');
  if (wrap) wrap.dataset.status = S.me.status || 'offline';
}

export function showBanner(text) {
  const el = $('inbox-banner');
  if (!el) return;
  el.textContent = text;
  el.hidden = false;
}

/* ---------------------------------------------------------------- notifications */

export function unlockAudio() {
  const Ctx = win.AudioContext || win.webkitAudioContext;
  if (!S.audio && Ctx) { try { S.audio = new Ctx(); } catch (e) { S.audio = null; } }
  if (S.audio && S.audio.state === 'suspended') S.audio.resume().catch(function () {});
}

export function beep() {
  if (!S.audio) return;
  try {
    const t0 = S.audio.currentTime;
    const osc = S.audio.createOscillator();
    const gain = S.audio.createGain();
    osc.type = 'sine';
    osc.frequency.setValueAtTime(880, t0);
    osc.frequency.setValueAtTime(1320, t0 + 0.09);
    gain.gain.setValueAtTime(0.0001, t0);
    gain.gain.exponentialRampToValueAtTime(0.18, t0 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.25);
    osc.connect(gain).connect(S.audio.destination);
    osc.start(t0);
    osc.stop(t0 + 0.26);
  } catch (e) { /* no sound is fine */ }
}

export function notify(title, body, sessionId) {
  if (!doc.hidden) return;
  beep();
  if (!('Notification' in win) || win.Notification.permission !== 'granted') return;
  try {
    const n = new win.Notification(title, { body: body || '', tag: 'cc-session-' + sessionId });
    n.onclick = function () { win.focus(); page.openSession(sessionId); n.close(); };
  } catch (e) { /* some browsers allow notifications only from a service worker */ }
}

export function onFirstGesture() {
  doc.removeEventListener('pointerdown', onFirstGesture, true);
  doc.removeEventListener('keydown', onFirstGesture, true);
  unlockAudio();
  if ('Notification' in win && win.Notification.permission === 'default') {
    try { win.Notification.requestPermission(); } catch (e) { /* old API, ignore */ }
  }
}

// what the other panels call (through page: panels never import each other)
Object.assign(page, { beep, closeModal, notify, openModal, renderStatus, setConn, showBanner });
