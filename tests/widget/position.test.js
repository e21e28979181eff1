// The corner of the chat button: the channel's setting (admin: "position"), unless the
// embed tag's data-position says otherwise. Run: node --test tests/widget/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { makeClient, defaultRoute, widget } = require('./helpers');
const { createWindow } = require('./fakedom');

async function wrapClass(config, position) {
  const route = (call) => {
    const r = defaultRoute(call);
    if (call.url.endsWith('/config/')) Object.assign(r[1], config);
    return r;
  };
  const env = makeClient({ route });
  const client = new widget.ChatClient(env.opts);
  await client.loadConfig();
  const ui = new widget.WidgetUI(createWindow({}), client, { position });
  ui.mount(client.config);
  return ui.wrap.getAttribute('class');
}

test('the channel can put the button bottom left', async () => {
  assert.equal(await wrapClass({ position: 'left' }), 'w left');
  assert.equal(await wrapClass({ position: 'right' }), 'w');
  assert.equal(await wrapClass({}), 'w');
});

test('the embed tag data-position wins over the channel', async () => {
  assert.equal(await wrapClass({ position: 'left' }, 'right'), 'w');
  assert.equal(await wrapClass({ position: 'right' }, 'left'), 'w left');
});

test('an unknown position is the default corner', () => {
  assert.equal(widget.normalizeConfig({ position: 'top' }).position, 'right');
  assert.equal(widget.normalizeConfig({ position: 'left' }).position, 'left');
});
