'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { widget } = require('./helpers');
const { h, linkParts, safeUrl, toText, validatePrechat, checkFile, contrastColor, scriptBase, normalizeConfig, textLength } = widget;

/** Just enough of a document to see what h() builds. */
function recorderDoc() {
  const mk = (kind, name) => ({
    kind, name, attrs: {}, kids: [], listeners: {}, textContent: '',
    setAttribute(k, v) { this.attrs[k] = v; },
    addEventListener(ev, fn) { this.listeners[ev] = fn; },
    appendChild(c) { this.kids.push(c); return c; },
  });
  return {
    createElement: (n) => mk('element', n),
    createElementNS: (ns, n) => Object.assign(mk('element', n), { ns }),
    createTextNode: (s) => ({ kind: 'text', data: s }),
  };
}

const EVIL = '<img src=x onerror="alert(1)"><script>alert(2)</script>&amp;';

test('strings always become text nodes, never markup', () => {
  const doc = recorderDoc();
  const el = h(doc, 'div', { text: EVIL, title: EVIL });
  assert.equal(el.textContent, EVIL);
  assert.equal(el.attrs.title, EVIL);
  assert.equal(el.kids.length, 0);
  const el2 = h(doc, 'p', null, [EVIL, 42, null, false]);
  assert.deepEqual(el2.kids.map((k) => k.kind), ['text', 'text']);
  assert.equal(el2.kids[0].data, EVIL);
  assert.equal(el2.kids[1].data, '42');
});

test('properties that could carry markup or script are refused', () => {
  const doc = recorderDoc();
  for (const k of ['innerHTML', 'outerHTML', 'srcdoc', 'onclick', 'onerror', 'ONLOAD']) {
    assert.throws(() => h(doc, 'div', { [k]: 'alert(1)' }), /unsafe/, k);
  }
  const fn = () => {};
  assert.equal(h(doc, 'button', { on: { click: fn } }).listeners.click, fn);
});

test('links and images only take http(s) addresses', () => {
  const doc = recorderDoc();
  assert.equal(h(doc, 'a', { href: 'javascript:alert(1)' }).attrs.href, undefined);
  assert.equal(h(doc, 'img', { src: 'data:text/html,<b>x</b>' }).attrs.src, undefined);
  assert.equal(h(doc, 'a', { href: 'https://ok.example/a' }).attrs.href, 'https://ok.example/a');
});

test('attachment URLs: http(s) or relative to the contact center only', () => {
  const base = 'https://cc.example.com';
  assert.equal(safeUrl('/media/a.png', base), 'https://cc.example.com/media/a.png');
  assert.equal(safeUrl('https://cdn.example/a.png', base), 'https://cdn.example/a.png');
  assert.equal(safeUrl('http://cdn.example/a.png', base), 'http://cdn.example/a.png');
  for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:image/png;base64,AAA', 'vbscript:x', 'file:///etc/passwd', '', null, 42, {}]) {
    assert.equal(safeUrl(bad, base), null, String(bad));
  }
  assert.equal(safeUrl('/relative', undefined), null, 'no base: relative is meaningless');
});

test('message text is split into text and safe links', () => {
  const parts = linkParts('see https://a.example/x?y=1, or javascript:alert(1) <b>bold</b>');
  assert.deepEqual(parts, [
    { text: 'see ' },
    { text: 'https://a.example/x?y=1', url: 'https://a.example/x?y=1' },
    { text: ', or javascript:alert(1) <b>bold</b>' },
  ]);
  assert.deepEqual(linkParts(EVIL), [{ text: EVIL }]);
  assert.deepEqual(linkParts(null), []);
  assert.equal(linkParts('(https://a.example/b).')[1].url, 'https://a.example/b');
});

test('the widget source never parses HTML or evaluates code', () => {
  const src = fs.readFileSync(path.join(__dirname, '../../inbox/static/widget/widget.js'), 'utf8');
  for (const bad of ['innerHTML =', 'outerHTML =', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function', 'createContextualFragment', 'DOMParser']) {
    assert.ok(!src.includes(bad), bad);
  }
  assert.ok(!/\.innerHTML\b/.test(src));
});

test('toText and textLength', () => {
  assert.equal(toText(null), '');
  assert.equal(toText(undefined), '');
  assert.equal(toText(5), '5');
  assert.equal(textLength('😀a'), 2, 'code points, like the server');
});

test('pre-chat validation', () => {
  const fields = [{ name: 'name', required: true }, { name: 'email', required: true }, { name: 'phone', required: false }];
  assert.deepEqual(validatePrechat(fields, {}), { name: 'required', email: 'required' });
  assert.deepEqual(validatePrechat(fields, { name: 'A', email: 'nope' }), { email: 'badEmail' });
  assert.deepEqual(validatePrechat(fields, { name: 'A', email: 'a@b.co', phone: 'call me' }), { phone: 'badPhone' });
  assert.deepEqual(validatePrechat(fields, { name: ' A ', email: 'a@b.co', phone: '+7 (900) 123-45-67' }), {});
});

test('file checks use the channel limits', () => {
  const att = { max_bytes: 1000, types: ['image/png', 'application/pdf', 'text/*'] };
  assert.equal(checkFile({ size: 10, type: 'image/png' }, att), null);
  assert.equal(checkFile({ size: 10, type: 'text/plain' }, att), null);
  assert.equal(checkFile({ size: 1001, type: 'image/png' }, att), 'too_big');
  assert.equal(checkFile({ size: 10, type: 'application/x-msdownload' }, att), 'bad_type');
  assert.equal(checkFile({ size: 10, type: '' }, { max_bytes: 0, types: [] }), null);
});

test('config is normalised; bad colours fall back', () => {
  const c = normalizeConfig({ color: 'red;background:url(x)', prechat: { enabled: true, fields: [{ name: 'email', required: 1 }, { name: 'ssn' }] } });
  assert.equal(c.color, '#2563eb');
  assert.deepEqual(c.prechat.fields, [{ name: 'email', required: true }]);
  assert.equal(normalizeConfig(null).name, 'Chat');
  assert.equal(contrastColor('#ffffff'), '#111');
  assert.equal(contrastColor('#1a237e'), '#fff');
});

test('the server base comes from the script src', () => {
  assert.equal(scriptBase('https://cc.example.com/static/widget/widget.js', 'https://shop.example/'), 'https://cc.example.com');
  assert.equal(scriptBase('https://cc.example.com/support/static/widget/widget.abc123.js', 'https://x/'), 'https://cc.example.com/support');
  assert.equal(scriptBase('/static/widget/widget.js', 'http://localhost:8000/page'), 'http://localhost:8000');
});
