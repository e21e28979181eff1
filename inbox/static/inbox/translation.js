/* Translation in the open chat (docs/translation.md). Under each message: the
 * translation of a customer's message into the operator's language, or "untranslated"
 * with Retry; under a reply, what the customer got (their language) or "sent
 * untranslated". In the slot "translation" (panels.js): the customer's language, which
 * the operator may correct (POST sessions/{id}/language/). The translation of a message
 * arrives after it as message.updated on the operator socket. */
import { h, T, S, LANG, BOOT, api, page, toast } from './state.js';
import { mergeMessages, keepEarly } from './logic.js';
import { registerPanel } from './conversation.js';
import { languageName, languageOptions, translationView } from './translation_logic.js';

/** The line under a message's text, or null. */
function messageTranslation(m) {
  const view = translationView(m, T, LANG);
  if (!view) return null;
  const box = h('div', { class: 'translation translation-' + view.kind },
    h('span', { class: 'translation-label', text: view.label }));
  if (view.text) box.append(h('div', { class: 'translation-text', text: view.text }));
  if (view.retry) {
    box.append(h('button', { type: 'button', class: 'link retry', text: T.retry, onclick: function () { retryTranslation(m); } }));
  }
  return box;
}

async function retryTranslation(m) {
  const s = page.currentSession();
  if (!s || !S.open) return;
  try {
    const fresh = await api('POST', 'sessions/' + s.id + '/messages/' + m.id + '/translate/');
    onMessageUpdated(fresh);
  } catch (err) {
    page.report(err, 'retry');
  }
}

/** A message's translation arrived (message.updated) or was asked again. */
function onMessageUpdated(update) {
  if (!update || !S.open || update.dialog !== S.open.dialogId) return;
  const open = S.open;
  open.seq = (open.seq || 0) + 1;
  // kept: an older copy of the message arriving after it (its own frame, a fetch that
  // started before) gets it merged again, and a message not shown yet gets it when it is
  keepEarly(open.early || (open.early = new Map()), update, open.seq);
  if (!open.messages.some(function (x) { return x.id === update.id; })) return;
  open.messages = mergeMessages(open.messages, [update]);
  page.renderTimeline();
}

async function languageSet(ctx, sessionId, language) {
  try {
    const fresh = await ctx.api('POST', 'sessions/' + sessionId + '/language/', { language: language });
    if (ctx.session && ctx.session.id === sessionId) Object.assign(ctx.session, fresh);
    toast(T.languageSaved, 'ok');
  } catch (err) {
    page.report(err, 'language');
  }
}

function draw(ctx) {
  const s = ctx.session;
  if (!BOOT.translation || !s || !s.id) { ctx.el.replaceChildren(); ctx.el.hidden = true; return; }
  const select = h('select', { class: 'translation-language', 'aria-label': T.customerLanguage });
  for (const [value, label] of languageOptions(s.language || '', T)) {
    const option = h('option', { value: value, text: label });
    if (value === (s.language_fixed ? s.language : '')) option.selected = true;
    select.append(option);
  }
  select.value = s.language_fixed ? (s.language || '') : '';
  select.addEventListener('change', function () { languageSet(ctx, s.id, select.value); });
  const detected = !s.language_fixed && s.language ? languageName(s.language, T) : '';
  ctx.el.replaceChildren(
    h('label', { class: 'translation-panel' },
      h('span', { text: T.customerLanguage }), select,
      detected ? h('span', { class: 'muted', text: ' ' + detected }) : null),
  );
  ctx.el.hidden = false;
}

registerPanel({ slot: 'translation', session: draw });

Object.assign(page, { messageTranslation, onMessageUpdated });
