/* The prompter's suggestions as pure logic for the suggestions panel (suggestions.js),
 * tested under Node in tests/inboxjs/. A frame from the server:
 *   {type: 'suggestions', session, message, suggestions: [{id, article, title, text, score}]}
 * The panel keeps, per session, the suggestions of its latest contact message. */

export const MAX_CARDS = 3;

/** The cards of a frame, best first, at most three, each with its Alt+digit. */
export function cardsFrom(frame) {
  const items = Array.isArray(frame && frame.suggestions) ? frame.suggestions.slice() : [];
  const cards = items
    .filter(function (s) { return s && s.id !== undefined && typeof s.text === 'string'; })
    .sort(function (a, b) { return (Number(b.score) || 0) - (Number(a.score) || 0); })
    .slice(0, MAX_CARDS);
  return cards.map(function (s, i) { return Object.assign({}, s, { key: i + 1 }); });
}

/** Stores a frame in ``store`` (session id -> {message, cards}); an older message's
 * frame that arrives late never replaces a newer one's. Returns whether it was kept. */
export function keepFrame(store, frame) {
  if (!frame || frame.session === undefined || frame.session === null) return false;
  const before = store.get(frame.session);
  if (before && Number(before.message) > Number(frame.message)) return false;
  store.set(frame.session, { message: frame.message, cards: cardsFrom(frame) });
  return true;
}

/** Drops one card (rejected) and renumbers the rest. */
export function withoutCard(entry, id) {
  if (!entry) return entry;
  const cards = entry.cards.filter(function (c) { return c.id !== id; })
    .map(function (c, i) { return Object.assign({}, c, { key: i + 1 }); });
  return { message: entry.message, cards: cards };
}

/** The card an Alt+digit picks (1-based), or null. */
export function cardForKey(entry, digit) {
  if (!entry) return null;
  return entry.cards.find(function (c) { return c.key === digit; }) || null;
}

/** The score as a percentage for the card's corner ("87%"). */
export function scoreLabel(score) {
  const n = Number(score);
  if (!isFinite(n)) return '';
  return Math.round(Math.max(0, Math.min(1, n)) * 100) + '%';
}
