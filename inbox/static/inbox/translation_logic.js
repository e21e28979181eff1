/* Translation in the open chat, as pure logic for translation.js (tested under Node in
 * tests/inboxjs/): what a message shows under its text, and the languages an operator
 * may pick for the customer. */
import { fmt } from './logic.js';

// Offered in the language picker; a language detected outside it is added to it.
export const LANGUAGES = ['en', 'ru', 'uk', 'de', 'fr', 'es', 'it', 'pt', 'pl', 'tr', 'zh', 'ar'];

/** A language's name in the page's strings, else its code. */
export function languageName(code, T) {
  if (!code) return '';
  return T['lang_' + code] || code;
}

/** What a message shows about its translation, or null for nothing:
 * {kind: translated|sent|pending|untranslated|sentUntranslated, label, text, retry}.
 * A customer's message shows its translation into ``myLang`` (else the latest one);
 * an operator's reply shows what the customer got. */
export function translationView(m, T, myLang) {
  if (!m || m.internal) return null;
  const status = m.translation_status;
  const all = m.translations || {};
  const codes = Object.keys(all);
  const contact = m.sender_type === 'contact';
  if (status === 'pending') return { kind: 'pending', label: T.translating, text: '', retry: false };
  if (status === 'untranslated') {
    return contact
      ? { kind: 'untranslated', label: T.untranslated, text: '', retry: true }
      : { kind: 'sentUntranslated', label: T.sentUntranslated, text: '', retry: false };
  }
  if (status !== 'translated' || !codes.length) return null;
  if (contact) {
    const code = all[myLang] !== undefined ? myLang : codes[codes.length - 1];
    return { kind: 'translated', label: fmt(T.translatedFrom, { language: languageName(m.language, T) || '?' }), text: all[code], retry: false };
  }
  return { kind: 'sent', label: fmt(T.sentIn, { language: languageName(codes[0], T) }), text: all[codes[0]], retry: false };
}

/** A signature of a message's translation, for the timeline's cache of drawn messages. */
export function translationSig(m) {
  return (m.translation_status || '') + ':' + JSON.stringify(m.translations || {});
}

/** The picker's options: [value, label] with "detect" first; the current language is
 * among them even when it is not a common one. */
export function languageOptions(current, T) {
  const codes = LANGUAGES.slice();
  if (current && codes.indexOf(current) === -1) codes.push(current);
  return [['', T.languageDetect]].concat(codes.map(function (c) { return [c, languageName(c, T)]; }));
}
