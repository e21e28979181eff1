// The visitor reads a reply in their language (widget.js shownText): the translation
// the server sent with the message, else the text as its author wrote it.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { widget } = require('./helpers');

const { shownText } = widget;

test("an operator's translated reply shows in the visitor's language", () => {
  const m = { sender_type: 'operator', text: 'Your order ships today', translation_status: 'translated', translations: { ru: 'Ваш заказ отправят сегодня' } };
  assert.equal(shownText(m), 'Ваш заказ отправят сегодня');
});

test('an untranslated reply, a pending one and the visitor\'s own message show as written', () => {
  assert.equal(shownText({ sender_type: 'operator', text: 'Hi', translation_status: 'untranslated', translations: {} }), 'Hi');
  assert.equal(shownText({ sender_type: 'operator', text: 'Hi', translation_status: null, translations: {} }), 'Hi');
  assert.equal(shownText({ sender_type: 'operator', text: 'Hi' }), 'Hi');
  const own = { sender_type: 'contact', text: 'Привет', translation_status: 'translated', translations: { en: 'Hello' } };
  assert.equal(shownText(own), 'Привет');
});

test('a translation that is not text is not shown', () => {
  const m = { sender_type: 'operator', text: 'Hi', translation_status: 'translated', translations: { ru: 42 } };
  assert.equal(shownText(m), 'Hi');
});

test("a bot's buttons are titled in the visitor's language once its message is translated", () => {
  const { buttonTitle } = widget;
  const b = { id: 'b1', title: 'Delivery', translations: { ru: 'Доставка' } };
  assert.equal(buttonTitle({ sender_type: 'bot', translation_status: 'translated' }, b), 'Доставка');
  assert.equal(buttonTitle({ sender_type: 'bot', translation_status: 'untranslated' }, b), 'Delivery');
  assert.equal(buttonTitle({ sender_type: 'bot' }, { id: 'b2', title: 'Sales' }), 'Sales');
  assert.equal(buttonTitle({ translation_status: 'translated' }, { id: 'b3', title: 'x', translations: { ru: 7 } }), 'x');
});

test('only a translated message to the visitor offers its original', () => {
  const { hasTranslation } = widget;
  const reply = { sender_type: 'operator', text: 'Hi', translation_status: 'translated', translations: { ru: 'Привет' } };
  assert.equal(hasTranslation(reply), true);
  assert.equal(hasTranslation({ ...reply, translation_status: 'untranslated', translations: {} }), false);
  assert.equal(hasTranslation({ sender_type: 'contact', text: 'Привет', translation_status: 'translated', translations: { en: 'Hi' } }), false);
});
