// Pure logic of the admin's widget preview (inbox/static/admin/inbox/channel/widget_settings.js).
// Run: node --test tests/adminjs/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const ws = require(path.join(__dirname, '../../inbox/static/admin/inbox/channel/widget_settings.js'));

const TEXTS = {
  en: { online: 'Online', name: 'Name', email: 'Email', phone: 'Phone', chat: 'Chat' },
  ru: { online: 'Онлайн', name: 'Имя', email: 'Эл. почта', phone: 'Телефон', chat: 'Чат' },
};

function values(extra) {
  return Object.assign({
    name: 'Website', title: '', color: '#2563eb', greeting: '', language: 'auto', position: 'right',
    prechat: { enabled: false, name: 'off', email: 'off', phone: 'off' },
  }, extra);
}

test('a typed colour is read as the server stores it', () => {
  assert.equal(ws.normalizeColor(' #AbCdEf '), '#abcdef');
  assert.equal(ws.normalizeColor('#0f8'), '#00ff88');
  for (const bad of ['blue', '#12345', '#gggggg', '2563eb', '']) assert.equal(ws.normalizeColor(bad), null, bad);
});

test('the preview takes the typed colour, and keeps the default while it is not one', () => {
  const good = ws.previewModel(values({ color: '#FFCC00' }), TEXTS, 'en');
  assert.equal(good.color, '#ffcc00');
  assert.equal(good.textColor, '#111', 'dark text on yellow');
  assert.ok(good.colorValid);
  const half = ws.previewModel(values({ color: '#ffc' + 'z' }), TEXTS, 'en');
  assert.equal(half.color, '#2563eb');
  assert.equal(half.colorValid, false);
  assert.equal(ws.previewModel(values({ color: '' }), TEXTS, 'en').colorValid, true, 'empty is the default');
});

test('the title falls back to the channel name, the language to the admin page', () => {
  assert.equal(ws.previewModel(values(), TEXTS, 'ru').title, 'Website');
  assert.equal(ws.previewModel(values({ title: ' Help ' }), TEXTS, 'ru').title, 'Help');
  assert.equal(ws.previewModel(values(), TEXTS, 'ru').texts.online, 'Онлайн');
  assert.equal(ws.previewModel(values({ language: 'en' }), TEXTS, 'ru').texts.online, 'Online');
  assert.equal(ws.previewModel(values(), TEXTS, 'de').lang, 'en');
});

test('the pre-chat form shows the asked fields, required ones marked, only when on', () => {
  const prechat = { enabled: true, name: 'required', email: 'optional', phone: 'off' };
  const on = ws.previewModel(values({ prechat }), TEXTS, 'en');
  assert.deepEqual(on.prechat, [
    { name: 'name', label: 'Name', required: true },
    { name: 'email', label: 'Email', required: false },
  ]);
  const off = ws.previewModel(values({ prechat: Object.assign({}, prechat, { enabled: false }) }), TEXTS, 'en');
  assert.equal(off.prechat, null);
});

test('the button goes to the chosen corner', () => {
  assert.equal(ws.previewModel(values({ position: 'left' }), TEXTS, 'en').left, true);
  assert.equal(ws.previewModel(values(), TEXTS, 'en').left, false);
});

test('the preview script never builds markup from strings', () => {
  const src = require('node:fs').readFileSync(
    path.join(__dirname, '../../inbox/static/admin/inbox/channel/widget_settings.js'), 'utf8');
  for (const bad of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'eval(', 'document.write']) {
    assert.ok(!src.includes(bad), bad);
  }
});
