// Translation in the open chat (inbox/static/inbox/translation_logic.js).
// Run: node --test tests/inboxjs/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const load = require('../jsmodules/load.js');

let tl;
let T;
test.before(async () => {
  tl = await load('inbox/static/inbox/translation_logic.js');
  T = (await load('inbox/static/inbox/strings.js')).DEFAULTS;
});

test("a customer's message shows its translation into the operator's language", () => {
  const m = { sender_type: 'contact', language: 'ru', translation_status: 'translated', translations: { de: 'hallo', en: 'hello' } };
  assert.deepEqual(tl.translationView(m, T, 'en'), { kind: 'translated', label: 'Translated from Russian', text: 'hello', retry: false });
  assert.equal(tl.translationView(m, T, 'fr').text, 'hello'); // the latest when none is in mine
});

test('an untranslated customer message offers a retry, a reply says it went as written', () => {
  const failed = { sender_type: 'contact', translation_status: 'untranslated', translations: {} };
  assert.equal(tl.translationView(failed, T, 'en').retry, true);
  assert.equal(tl.translationView(failed, T, 'en').label, T.untranslated);
  const reply = { sender_type: 'operator', translation_status: 'untranslated', translations: {} };
  assert.deepEqual(tl.translationView(reply, T, 'en'), { kind: 'sentUntranslated', label: T.sentUntranslated, text: '', retry: false });
});

test('a reply shows what the customer got; nothing shows without a translation', () => {
  const reply = { sender_type: 'operator', language: 'en', translation_status: 'translated', translations: { ru: 'привет' } };
  assert.deepEqual(tl.translationView(reply, T, 'en'), { kind: 'sent', label: 'The customer got it in Russian', text: 'привет', retry: false });
  assert.equal(tl.translationView({ sender_type: 'contact', translation_status: null, translations: {} }, T, 'en'), null);
  assert.equal(tl.translationView({ sender_type: 'operator', internal: true, translation_status: 'pending' }, T, 'en'), null);
  assert.equal(tl.translationView({ sender_type: 'operator', translation_status: 'pending' }, T, 'en').label, T.translating);
});

test('the picker offers detection first and keeps an uncommon current language', () => {
  const options = tl.languageOptions('ka', T);
  assert.deepEqual(options[0], ['', T.languageDetect]);
  assert.deepEqual(options[2], ['ru', 'Russian']);
  assert.deepEqual(options[options.length - 1], ['ka', 'ka']);
  assert.equal(tl.languageOptions('ru', T).filter((o) => o[0] === 'ru').length, 1);
});
