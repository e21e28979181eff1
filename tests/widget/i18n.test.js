'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { plural, formatQueue, formatWait, formatSize, pickLang, t, DICT } = require('./helpers').widget;

test('Russian plural forms follow the one / few / many rule', () => {
  const f = ['минута', 'минуты', 'минут'];
  const cases = { 0: 'минут', 1: 'минута', 2: 'минуты', 4: 'минуты', 5: 'минут', 11: 'минут', 12: 'минут', 14: 'минут',
    21: 'минута', 22: 'минуты', 25: 'минут', 101: 'минута', 111: 'минут', 112: 'минут', 122: 'минуты' };
  for (const [n, want] of Object.entries(cases)) assert.equal(plural('ru', Number(n), f), want, `n=${n}`);
});

test('English plural forms are one / other', () => {
  assert.equal(plural('en', 1, ['minute', 'minutes']), 'minute');
  assert.equal(plural('en', 0, ['minute', 'minutes']), 'minutes');
  assert.equal(plural('en', 2, ['minute', 'minutes']), 'minutes');
});

test('queue position and wait in English', () => {
  assert.equal(formatQueue('en', 3, 120), 'You are number 3 in line, about 2 minutes');
  assert.equal(formatQueue('en', 2, 59), 'You are number 2 in line, less than a minute');
  assert.equal(formatQueue('en', 5, 60), 'You are number 5 in line, about 1 minute');
  assert.equal(formatQueue('en', 1, 0), 'You are next in line, less than a minute');
  assert.equal(formatQueue('en', 4, null), 'You are number 4 in line');
  assert.equal(formatQueue('en', null, 600), 'About 10 minutes');
  assert.equal(formatQueue('en', 7, 2 * 3600), 'You are number 7 in line, about 2 hours');
});

test('queue position and wait in Russian', () => {
  assert.equal(formatQueue('ru', 3, 120), 'Перед вами в очереди 2 человека, ожидание — примерно 2 минуты');
  assert.equal(formatQueue('ru', 2, 30), 'Перед вами в очереди 1 человек, ожидание — меньше минуты');
  assert.equal(formatQueue('ru', 6, 300), 'Перед вами в очереди 5 человек, ожидание — примерно 5 минут');
  assert.equal(formatQueue('ru', 22, 21 * 60), 'Перед вами в очереди 21 человек, ожидание — примерно 21 минута');
  assert.equal(formatQueue('ru', 1, 45), 'Вы первый в очереди, ожидание — меньше минуты');
  assert.equal(formatQueue('ru', null, 30), 'Ожидание — меньше минуты');
  assert.equal(formatQueue('ru', 2, 3 * 3600), 'Перед вами в очереди 1 человек, ожидание — примерно 3 часа');
});

test('bad wait values are left out', () => {
  assert.equal(formatWait('en', undefined), '');
  assert.equal(formatWait('en', -5), '');
  assert.equal(formatWait('en', 'soon'), '');
});

test('file sizes', () => {
  assert.equal(formatSize('en', 512), '512 B');
  assert.equal(formatSize('en', 1536), '1.5 KB');
  assert.equal(formatSize('ru', 1536), '1,5 КБ');
  assert.equal(formatSize('en', 25 * 1024 * 1024), '25 MB');
  assert.equal(formatSize('en', undefined), '');
});

test('language: data-lang, then config.language, then the browser', () => {
  assert.equal(pickLang('ru', 'en', ['en-US']), 'ru');
  assert.equal(pickLang(null, 'ru', ['en-US']), 'ru');
  assert.equal(pickLang(null, 'auto', ['ru-RU', 'en']), 'ru');
  assert.equal(pickLang(null, 'auto', ['de-DE', 'ru']), 'ru');
  assert.equal(pickLang(null, 'auto', ['de-DE']), 'en');
  assert.equal(pickLang('xx', 'auto', [undefined]), 'en');
});

test('every English string has a Russian one and placeholders match', () => {
  for (const key of Object.keys(DICT.en)) {
    assert.ok(key in DICT.ru, `ru is missing ${key}`);
    const ph = (s) => (typeof s === 'string' ? (s.match(/\{\w+\}/g) || []).filter((p) => p !== '{ahead}' && p !== '{people}' && p !== '{n}').sort() : []);
    assert.deepEqual(ph(DICT.ru[key]), ph(DICT.en[key]), key);
  }
  assert.equal(t('ru', 'joined', { name: 'Анна' }), 'Анна подключается к чату');
  assert.equal(t('en', 'joined', { name: 'Anna' }), 'Anna joined the chat');
  assert.equal(t('fr', 'send'), 'Send');
});
