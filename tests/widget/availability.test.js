'use strict';
// What the widget's header says about who can answer: the server's availability (the
// rule routing assigns by), never a blind "Online".
const test = require('node:test');
const assert = require('node:assert/strict');
const { widget, makeClient, flush } = require('./helpers');

const { statusText, normalizeConfig } = widget;

function cfg(fields) {
  return normalizeConfig(Object.assign({ name: 'Acme' }, fields));
}

test('online only while an operator could take the chat', () => {
  const base = { status: 'online', session: null, operator: null };
  assert.equal(statusText('en', { ...base, config: cfg({ available: true }) }), 'Online');
  assert.equal(
    statusText('en', { ...base, config: cfg({ available: false }) }),
    "No operator is online right now. Leave a message: we'll answer here as soon as someone is back.",
  );
  assert.equal(
    statusText('en', { ...base, config: cfg({ available: false, offline_message: 'Back at 9:00 tomorrow.' }) }),
    'Back at 9:00 tomorrow.',
  );
  assert.equal(statusText('ru', { ...base, config: cfg({ available: true }) }), 'Онлайн');
  assert.match(statusText('ru', { ...base, config: cfg({ available: false }) }), /^Сейчас нет операторов в сети/);
});

test('closed hours, a chat that ended, an operator with you, an older server', () => {
  const closed = cfg({ offline: true, available: false });
  assert.equal(statusText('en', { status: 'online', session: null, config: closed }),
    "We're offline. Leave a message and we'll get back to you.");
  // the chat ended and nobody is left: not "Online"
  assert.notEqual(statusText('en', { status: 'online', session: 'closed', config: cfg({ available: false }) }), 'Online');
  // an operator is with the visitor: their name, whatever the group's seats
  assert.equal(statusText('en', { status: 'online', session: 'active', operator: { name: 'Anna' }, config: cfg({ available: false }) }),
    'Anna · Online');
  // waiting while someone is available
  assert.equal(statusText('en', { status: 'online', session: 'queued', config: cfg({ available: true }) }), 'We reply soon');
  // a server that does not send "available" keeps the old wording
  assert.equal(cfg({}).available, null);
  assert.equal(statusText('en', { status: 'online', session: null, config: cfg({}) }), 'Online');
});

test('an availability frame and a refresh after the chat ends update what the visitor sees', async () => {
  let available = true;
  const route = (call) => {
    if (call.url.endsWith('/config/')) return [200, { name: 'Acme', available, offline: false, offline_message: available ? '' : 'Back soon' }];
    if (call.url.endsWith('/visitors/')) return [201, { visitor_token: 'tok' }];
    return [404, {}];
  };
  const { client } = makeClient({ route });
  await client.loadConfig();
  const seen = [];
  client.on('availability', (c) => seen.push(c.available));
  client.handle({ type: 'availability', available: false, offline: false, offline_message: 'Back soon' });
  assert.deepEqual(seen, [false]);
  assert.equal(client.config.offline_message, 'Back soon');
  available = true;
  await client.refreshAvailability();
  await flush();
  assert.deepEqual(seen, [false, true]);
  assert.equal(client.config.available, true);
});
