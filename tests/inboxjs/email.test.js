// E-mail messages in the inbox (inbox/static/inbox/email.js): what of an e-mail's HTML
// survives the rebuild. Run: node --test tests/inboxjs/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const load = require('../jsmodules/load.js');

let em;
test.before(async () => { em = await load('inbox/static/inbox/email.js'); });

test('links keep only web and mail addresses', () => {
  assert.equal(em.emailAttr('a', 'href', 'https://shop.example/x'), 'https://shop.example/x');
  assert.equal(em.emailAttr('a', 'href', 'mailto:ada@example.org'), 'mailto:ada@example.org');
  assert.equal(em.emailAttr('a', 'href', 'javascript:alert(1)'), null);
  assert.equal(em.emailAttr('a', 'href', ' JaVaScRiPt:alert(1)'), null);
  assert.equal(em.emailAttr('a', 'href', '/admin/'), null);
});

test('images load only from the product itself, never from the sender', () => {
  assert.equal(em.emailAttr('img', 'src', '/media/attachments/1/a/logo.png'), '/media/attachments/1/a/logo.png');
  assert.equal(em.emailAttr('img', 'src', 'https://tracker.example/open.gif'), null);
  assert.equal(em.emailAttr('img', 'src', '//tracker.example/open.gif'), null);
  assert.equal(em.emailAttr('img', 'src', '/\\tracker.example/open.gif'), null);
  assert.equal(em.emailAttr('img', 'src', 'data:image/png;base64,AAAA'), null);
  assert.equal(em.emailAttr('img', 'alt', 'Shop logo'), 'Shop logo');
});

test('handlers, styles and unknown attributes never pass', () => {
  assert.equal(em.emailAttr('img', 'onerror', 'alert(1)'), null);
  assert.equal(em.emailAttr('p', 'style', 'color: red'), null);
  assert.equal(em.emailAttr('div', 'class', 'x'), null);
  assert.equal(em.emailAttr('td', 'colspan', '2'), '2');
  assert.equal(em.emailAttr('td', 'colspan', '2;x'), null);
  assert.equal(em.emailAttr('img', 'width', '100%'), '100%');
});

test('the allow-list has no element that runs or embeds anything', () => {
  for (const tag of ['script', 'style', 'iframe', 'object', 'embed', 'form', 'input', 'svg', 'link', 'meta', 'base']) {
    assert.equal(em.EMAIL_TAGS.has(tag), false, tag);
  }
});

test('the e-mail module never writes markup', () => {
  const source = load.sources('inbox/static/inbox').find((s) => s.includes('emailFormatted'));
  assert.ok(source);
  assert.doesNotMatch(source, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
});
