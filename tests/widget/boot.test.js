'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createWindow, byClass } = require('./fakedom');
const { FakeWebSocket, fakeFetch, defaultRoute, flush } = require('./helpers');

const SRC = fs.readFileSync(path.join(__dirname, '../../inbox/static/widget/widget.js'), 'utf8');

/** Runs widget.js the way a browser does: a classic script with window and document globals. */
function embed(attrs, route) {
  const win = createWindow();
  const script = {
    src: 'https://cc.example.com/static/widget/widget.js',
    getAttribute: (n) => (n in attrs ? attrs[n] : null),
  };
  win.document.currentScript = script;
  win.document.querySelectorAll = () => [script];
  win.fetch = fakeFetch(route || defaultRoute);
  win.WebSocket = FakeWebSocket;
  win.FormData = class {};
  win.localStorage = { getItem() { throw new Error('blocked'); } };
  win.sessionStorage = undefined;
  win.events = [];
  win.dispatchEvent = (e) => win.events.push(e.type);
  win.CustomEvent = class { constructor(type) { this.type = type; } };
  win.console = { warn: (...a) => win.warnings.push(a.join(' ')), error: console.error };
  win.warnings = [];
  win.window = win;
  win.URL = URL;
  win.crypto = globalThis.crypto;
  vm.runInNewContext(SRC, win);
  return win;
}

test('the embed tag alone boots the widget and exposes only ContactCenterWidget', async () => {
  FakeWebSocket.instances = [];
  const win = embed({ 'data-channel': 'KEY1', 'data-lang': 'ru' });
  assert.equal(typeof win.ContactCenterWidget, 'object');
  assert.deepEqual(Object.keys(win.ContactCenterWidget).sort(), ['close', 'identify', 'on', 'open', 'toggle', 'version']);
  assert.ok(Object.isFrozen(win.ContactCenterWidget));
  assert.equal(win.module, undefined);
  assert.deepEqual(win.events, ['contactcenterwidget:load']);
  const seen = [];
  win.ContactCenterWidget.on('ready', (x) => seen.push(['ready', x.name]));
  win.ContactCenterWidget.on('open', () => seen.push(['open']));
  win.ContactCenterWidget.open();
  await flush();
  assert.equal(win.fetch.calls[0].url, 'https://cc.example.com/widget/api/KEY1/config/');
  assert.deepEqual(seen, [['ready', 'Acme'], ['open']], 'an early open() is kept until ready');
  const host = win.document.body.children[0];
  assert.equal(host.tagName, 'CC-CHAT-WIDGET');
  assert.equal(byClass(host, 'ln')[0].getAttribute('aria-label'), 'Закрыть чат');
  win.ContactCenterWidget.toggle();
  assert.ok(byClass(host, 'p')[0].hidden);
  assert.ok(win.listeners.online.length >= 1, 'reconnects when the network comes back');
  assert.ok(win.document.listeners.visibilitychange.length >= 1, 'and when the tab is shown');
});

test('a second copy of the script does nothing', async () => {
  const win = embed({ 'data-channel': 'KEY1' });
  const api = win.ContactCenterWidget;
  vm.runInNewContext(SRC, win);
  assert.equal(win.ContactCenterWidget, api);
});

test('no data-channel: a console warning and no widget', () => {
  const win = embed({});
  assert.equal(win.ContactCenterWidget, undefined);
  assert.match(win.warnings[0], /data-channel/);
});

test('a refused channel (403/404) shows nothing', async () => {
  for (const status of [403, 404]) {
    const win = embed({ 'data-channel': 'BAD' }, () => [status, { detail: 'no' }]);
    await flush();
    assert.equal(win.document.body.children.length, 0);
    assert.match(win.warnings[0], new RegExp(String(status)));
  }
});

test('data-base overrides the server address (static files on a CDN)', async () => {
  const win = embed({ 'data-channel': 'K', 'data-base': 'https://chat.example.org' });
  await flush();
  assert.equal(win.fetch.calls[0].url, 'https://chat.example.org/widget/api/K/config/');
});
