/* The prompter (slot "suggestions", see panels.js): for each customer message in one of
 * my active chats the server pushes up to three suggested answers from the knowledge
 * base (frame "suggestions"). Each card shows the article's title and answer; a click or
 * Alt+1..3 puts its text into the reply box, where it can be edited before sending (the
 * server counts a sent suggestion as accepted, an edited one as edited); the cross
 * rejects it (POST suggestions/{id}/feedback/). */
import { $, S, T, api, h, page } from './state.js';
import { cardForKey, keepFrame, scoreLabel, withoutCard } from './suggestions_logic.js';
import { registerPanel } from './conversation.js';

function store() {
  if (!S.suggestions) S.suggestions = new Map(); // session id -> {message, cards}
  return S.suggestions;
}

function openEntry() {
  const s = page.currentSession();
  if (!s || !page.canWrite(s)) return null;
  return { session: s, entry: store().get(s.id) || null };
}

function card(c, sessionId) {
  return h('li', { class: 'suggestion', 'data-suggestion': String(c.id) },
    h('button', {
      type: 'button', class: 'suggestion-use', title: T.suggestUse + ' (Alt+' + c.key + ')',
      onclick: function () { insertSuggestion(c.key); },
    },
    h('span', { class: 'suggestion-key', text: 'Alt+' + c.key }),
    h('strong', { class: 'suggestion-title', text: c.title || '' }),
    h('span', { class: 'suggestion-score', text: scoreLabel(c.score) }),
    h('span', { class: 'suggestion-text', text: c.text })),
    h('button', {
      type: 'button', class: 'suggestion-reject btn-ghost', title: T.suggestReject, 'aria-label': T.suggestReject, text: '×',
      onclick: function () { rejectSuggestion(sessionId, c.id); },
    }));
}

/** Redraws the slot for the open chat. */
export function renderSuggestions() {
  const el = $('slot-suggestions');
  if (!el) return;
  const open = openEntry();
  if (!open || !open.entry || !open.entry.cards.length) { el.replaceChildren(); el.hidden = true; return; }
  el.replaceChildren(
    h('h3', { class: 'suggestions-heading', text: T.suggestTitle }),
    h('ol', { class: 'suggestions' }, ...open.entry.cards.map(function (c) { return card(c, open.session.id); })),
  );
  el.hidden = false;
}

/** Puts the text of card ``digit`` (1-3) of the open chat into the reply box. */
export function insertSuggestion(digit) {
  const open = openEntry();
  const c = open && cardForKey(open.entry, digit);
  const t = $('composer-text');
  if (!c || !t || t.disabled) return false;
  t.value = c.text;
  page.autoGrow();
  t.focus();
  t.setSelectionRange(t.value.length, t.value.length);
  return true;
}

async function rejectSuggestion(sessionId, id) {
  store().set(sessionId, withoutCard(store().get(sessionId), id));
  renderSuggestions();
  try {
    await api('POST', 'suggestions/' + id + '/feedback/', { outcome: 'rejected' });
  } catch (err) {
    if (!(err && err.status === 409)) page.report(err, 'suggestion');
  }
}

/** The socket's "suggestions" frame. */
export function onSuggestions(frame) {
  if (keepFrame(store(), frame)) renderSuggestions();
}

registerPanel({
  slot: 'suggestions',
  session() { renderSuggestions(); },
  message(ctx, message) {
    // my reply answers the customer's message: its suggestions are done with
    if (message && message.sender_type === 'operator' && !message.internal && message.session !== null) {
      store().delete(message.session);
      renderSuggestions();
    }
  },
});

// what the other panels call (through page: panels never import each other)
Object.assign(page, { insertSuggestion, onSuggestions });
