'use strict';
// The visitor's context: what the widget tells the operator about the page, and when.
const test = require('node:test');
const assert = require('node:assert/strict');
const { makeClient, FakeWebSocket, flush, widget } = require('./helpers');

test.beforeEach(() => { FakeWebSocket.instances = []; });

function fakeWin(href, title, referrer) {
  return {
    location: { href },
    document: { title, referrer },
    navigator: { language: 'de-DE' },
  };
}

test('the context holds the page, referrer, language and time zone, bounded and http(s) only', () => {
  const ctx = widget.collectContext(fakeWin('https://shop.example/cart', '  Cart \n  - Shop ', 'https://search.example/?q=1'));
  assert.equal(ctx.page_url, 'https://shop.example/cart');
  assert.equal(ctx.page_title, 'Cart - Shop');
  assert.equal(ctx.referrer, 'https://search.example/?q=1');
  assert.equal(ctx.language, 'de-DE');
  assert.equal(typeof ctx.time_zone, 'string');
  assert.ok(Number.isInteger(ctx.utc_offset_min));

  const odd = widget.collectContext(fakeWin('file:///home/me/page.html', 'x'.repeat(400), 'javascript:alert(1)'));
  assert.equal(odd.page_url, '');
  assert.equal(odd.referrer, '');
  assert.equal(odd.page_title.length, 300);
  assert.equal(widget.collectContext(fakeWin('https://a.example/' + 'p'.repeat(1200), '', '')).page_url, '');
});

test('a new visitor is created with the context; the socket is told the page on welcome and when it changes, once', async () => {
  let page = fakeWin('https://shop.example/', 'Home', 'https://search.example/');
  const env = makeClient({ context: () => widget.collectContext(page), href: () => page.location.href });
  await env.client.ensureVisitor({});
  const created = env.fetch.calls.find((c) => c.url.endsWith('/visitors/')).body;
  assert.equal(created.page_url, 'https://shop.example/');
  assert.equal(created.page_title, 'Home');
  assert.equal(created.referrer, 'https://search.example/');

  const ws = FakeWebSocket.last();
  ws.open();
  ws.push({ type: 'welcome', dialog: 7, session: null, operator: null });
  assert.deepEqual(ws.sent[0], { type: 'sync', after: 0 });
  const [told] = ws.frames('context');
  assert.equal(told.page_url, 'https://shop.example/');
  assert.equal(told.page_title, 'Home');

  assert.equal(env.client.tellContext(), false, 'nothing new: nothing sent');
  page = fakeWin('https://shop.example/pricing', 'Pricing', 'https://search.example/');
  assert.equal(env.client.tellContext(), true);
  assert.deepEqual(ws.frames('context').map((f) => f.page_url), ['https://shop.example/', 'https://shop.example/pricing']);
  await flush();
});

test('a refused context is not shown to the visitor', () => {
  const env = makeClient();
  const errors = [];
  env.client.on('error', (d) => errors.push(d));
  env.client.handle({ type: 'error', code: 'bad_context', detail: 'utc_offset_min: ...' });
  env.client.handle({ type: 'error', code: 'rate_limited', detail: 'slow down' });
  assert.deepEqual(errors.map((e) => e.code), ['rate_limited']);
});
