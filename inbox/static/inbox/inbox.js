/* The operator inbox: the page's entry module (``<script type="module">``, no build
 * step, no dependencies). It wires the page's controls to the panels and starts them.
 *
 * Module map (docs/inbox.md, "For developers"):
 *   strings.js       English defaults of the page's strings
 *   logic.js         pure logic, tested under Node (tests/inboxjs/)
 *   state.js         the page's context: window, bootstrap, strings, state, API, toasts
 *   sync.js          loading the lists and resync after a reconnect; error reports
 *   socket.js        the operator socket: connect, backoff, ping, its frames
 *   list.js          the left column: my chats, queues, team, recently closed
 *   conversation.js  the open chat: header, timeline, actions, panel slots
 *   sending.js       replies: the outbox, socket or HTTP, retries, uploads
 *   composer.js      the reply box: canned responses and their placeholders
 *   contact_card.js  the right column: who it is, the website visitor, timeline
 *   leads.js         leads on the contact card and the "Create lead" form
 *   transfer.js      the transfer dialog
 *   basics.js        private notes, search and filters, labels
 *   email.js         e-mail messages: subject, "Show formatted" (sanitised HTML)
 *   reply_window.js  WhatsApp's 24-hour window: the notice and the template picker
 *   bot_panel.js     what a bot collected before the chat reached a person
 *   sla_alerts.js    supervisors' SLA alerts: a toast, a mark on the chat, a sound to turn off
 *   translation.js   translations under messages, the customer's language (its slot)
 *   suggestions.js   the prompter: suggested answers from the knowledge base
 *   shell.js         modals, keyboard shortcuts, connection state, notifications
 * Helpers shared with the board and the reports are in ../contactcenter/common/.
 *
 * Never put server data into HTML: every text goes through textContent, and URLs from the
 * server are used only when they are http(s) or relative (safeUrl). */
import { win, doc, $, T, S, initContext } from './state.js';
import { ACK_TIMEOUT_MS, pageRequest } from './logic.js';
import { resync } from './sync.js';
import { connect, reconnectNow } from './socket.js';
import { currentSession, postViaHttp, transmit, upload } from './sending.js';
import { closeSession, openSession, renderTyping, scheduleRead, setMyStatus, takeSession } from './conversation.js';
import { render, renderLists, showTeam } from './list.js';
import { tickVisitorClock } from './contact_card.js';
import { createLead, hideLeadForm, submitLead } from './leads.js';
import { hideCanned, onComposerInput, onComposerKey, submitComposer } from './composer.js';
import { loadTransferOperators, openTransfer, submitTransfer, syncTransferMode } from './transfer.js';
import { closeModal, onFirstGesture, onKey, openModal, setConn } from './shell.js';
import { wireBasics } from './basics.js';
import './email.js'; // e-mail subjects and their formatted version in the chat
import './reply_window.js';
import './suggestions.js'; // the prompter's suggested answers (slot "suggestions")
import './bot_panel.js'; // what a bot collected, above the timeline
import { wireSlaAlerts } from './sla_alerts.js'; // supervisors' SLA alerts: toast, mark, sound
import './translation.js'; // translations under messages and the customer's language

function wireComposer() {
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
}

function wireChat() {
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
}

function wirePage() {
  doc.addEventListener('keydown', onKey);
  doc.addEventListener('pointerdown', onFirstGesture, true);
  doc.addEventListener('keydown', onFirstGesture, true);
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
    reconnectNow();
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
  wireComposer();
  wireChat();
  wirePage();
  setConn('connecting');
  await resync();
  wireSlaAlerts();
  const asked = pageRequest(win.location.search, win.location.hash);
  if (asked.view === 'team') showTeam();
  if (asked.session !== null && S.me) openSession(asked.session);
  connect();
}

/** Starts the inbox on a window (the browser's, or a test's fake one). */
export function boot(w) {
  initContext(w);
  start();
  return { state: S, openSession: openSession };
}

if (typeof window !== 'undefined' && typeof document !== 'undefined' && window.document === document &&
    document.getElementById('inbox-bootstrap')) {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { window.ccInbox = boot(window); });
  else window.ccInbox = boot(window);
}
