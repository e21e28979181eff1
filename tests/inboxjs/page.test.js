// The inbox page (inbox/static/inbox/*.js, ES modules), driven against a tiny fake DOM, fake fetch and fake socket:
// a smoke test of the wiring (load, open a chat, send, ack, dedupe, reconnect, 4401).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const load = require('../jsmodules/load.js');

// the inbox's modules and the common ones they import
const SOURCE = load.sources('inbox/static/inbox', 'contactcenter/static/contactcenter/common').join('\n');
let boot;
let registerPanel;
test.before(async () => {
  ({ boot } = await load('inbox/static/inbox/inbox.js'));
  ({ registerPanel } = await load('inbox/static/inbox/conversation.js'));
});

/* ------------------------------------------------------------ a very small DOM */

class Text {
  constructor(text) { this.nodeType = 3; this.textContent = String(text); this.parentElement = null; }
}

class Element {
  constructor(doc, tag) {
    this.ownerDocument = doc;
    this.tagName = tag.toUpperCase();
    this.nodeType = 1;
    this.childNodes = [];
    this.attributes = {};
    this.listeners = {};
    this.dataset = {};
    this.style = {};
    this.hidden = false;
    this.disabled = false;
    this.checked = false;
    this.value = '';
    this.className = '';
    this.parentElement = null;
    this.scrollTop = 0; this.scrollHeight = 0; this.clientHeight = 0;
    const el = this;
    this.classList = {
      add(c) { if (!el.className.split(' ').includes(c)) el.className = (el.className + ' ' + c).trim(); },
      remove(c) { el.className = el.className.split(' ').filter((x) => x !== c).join(' '); },
      toggle(c, on) { if (on === undefined ? !this.contains(c) : on) this.add(c); else this.remove(c); },
      contains(c) { return el.className.split(' ').includes(c); },
    };
  }
  get id() { return this.attributes.id || ''; }
  get children() { return this.childNodes.filter((n) => n.nodeType === 1); }
  get firstElementChild() { return this.children[0] || null; }
  get textContent() { return this.childNodes.map((n) => n.textContent).join(''); }
  set textContent(v) { this._detachAll(); if (v !== '') this.append(String(v)); }
  set innerHTML(v) { throw new Error('innerHTML used with ' + v); }
  setAttribute(k, v) {
    this.attributes[k] = String(v);
    if (k === 'id') this.ownerDocument._ids.set(String(v), this);
    if (k === 'hidden') this.hidden = true;
    if (k === 'value') this.value = String(v);
    if (k === 'class') this.className = String(v);
  }
  getAttribute(k) { return k in this.attributes ? this.attributes[k] : null; }
  removeAttribute(k) { delete this.attributes[k]; if (k === 'hidden') this.hidden = false; }
  _adopt(n) {
    const node = typeof n === 'string' ? new Text(n) : n;
    if (node.parentElement) node.parentElement.childNodes = node.parentElement.childNodes.filter((x) => x !== node);
    node.parentElement = this;
    return node;
  }
  _detachAll() { for (const c of this.childNodes) c.parentElement = null; this.childNodes = []; }
  append(...nodes) { for (const n of nodes) this.childNodes.push(this._adopt(n)); }
  replaceChildren(...nodes) { this._detachAll(); this.append(...nodes); }
  replaceWith(node) {
    const p = this.parentElement;
    const at = p.childNodes.indexOf(this);
    const n = p._adopt(node);
    p.childNodes.splice(p.childNodes.indexOf(this), 1, n);
    this.parentElement = null;
    void at;
  }
  remove() { if (this.parentElement) this.parentElement.childNodes = this.parentElement.childNodes.filter((x) => x !== this); this.parentElement = null; }
  addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
  removeEventListener(type, fn) { this.listeners[type] = (this.listeners[type] || []).filter((f) => f !== fn); }
  dispatch(type, props) {
    const ev = Object.assign({ type, target: this, defaultPrevented: false, preventDefault() { this.defaultPrevented = true; }, stopPropagation() {} }, props || {});
    for (let node = this; node; node = node.parentElement) for (const fn of (node.listeners[type] || []).slice()) fn.call(node, ev);
    if (type === 'keydown' || type === 'click') for (const fn of (this.ownerDocument.listeners[type] || []).slice()) fn(ev);
    return ev;
  }
  click() { return this.dispatch('click'); }
  focus() { this.ownerDocument.activeElement = this; }
  select() {}
  setSelectionRange() {}
  closest(sel) {
    const cls = sel.replace(/^\./, '');
    for (let n = this; n; n = n.parentElement) if (n.classList && n.classList.contains(cls)) return n;
    return null;
  }
  querySelectorAll(sel) { return all(this).filter((n) => matches(n, sel)); }
  get isContentEditable() { return false; }
}

function all(root) {
  const out = [];
  for (const c of root.children) { out.push(c); out.push(...all(c)); }
  return out;
}
function matches(n, sel) {
  if (sel.startsWith('.')) return n.classList.contains(sel.slice(1));
  return n.tagName === sel.toUpperCase();
}

class Document {
  constructor() {
    this._ids = new Map();
    this.listeners = {};
    this.hidden = false;
    this.readyState = 'complete';
    this.cookie = 'csrftoken=tok123';
    this.title = '';
    this.body = new Element(this, 'body');
    this.activeElement = this.body;
  }
  createElement(tag) { return new Element(this, tag); }
  createTextNode(t) { return new Text(t); }
  getElementById(id) { return this._ids.get(id) || null; }
  querySelectorAll(sel) { return all(this.body).filter((n) => matches(n, sel)); }
  addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
  removeEventListener(type, fn) { this.listeners[type] = (this.listeners[type] || []).filter((f) => f !== fn); }
}

// The page's skeleton: the ids the template provides, in roughly its structure.
function skeleton(doc, bootstrap) {
  const add = (parent, tag, id, extra) => {
    const el = doc.createElement(tag);
    if (id) el.setAttribute('id', id);
    Object.assign(el, extra || {});
    parent.append(el);
    return el;
  };
  const b = doc.body;
  add(b, 'script', 'inbox-bootstrap').textContent = JSON.stringify(bootstrap);
  add(b, 'script', 'inbox-strings').textContent = JSON.stringify({ inbox: 'Inbox', take: 'Take' });
  add(b, 'span', 'conn');
  const sw = add(b, 'label', null, { className: 'status-switch' });
  add(sw, 'select', 'my-status');
  add(b, 'button', 'help-btn');
  add(b, 'p', 'inbox-banner', { hidden: true });
  for (const id of ['list-mine', 'list-queues', 'list-team', 'list-closed']) add(b, 'ul', id);
  for (const id of ['count-mine', 'count-queues', 'count-team']) add(b, 'span', id);
  add(b, 'section', 'sec-team', { hidden: true });
  add(b, 'div', 'chat-empty');
  const chat = add(b, 'div', 'chat', { hidden: true });
  add(chat, 'h1', 'chat-name');
  add(chat, 'div', 'chat-meta');
  add(chat, 'span', 'chat-readonly');
  for (const id of ['btn-take', 'btn-transfer', 'btn-close']) add(chat, 'button', id);
  add(chat, 'section', 'slot-bot-transcript', { hidden: true });
  add(chat, 'div', 'timeline');
  add(chat, 'div', 'typing', { hidden: true });
  add(chat, 'section', 'slot-translation', { hidden: true });
  add(chat, 'section', 'slot-suggestions', { hidden: true });
  const form = add(chat, 'form', 'composer');
  add(form, 'ul', 'canned', { hidden: true });
  add(form, 'button', 'btn-attach');
  add(form, 'input', 'file-input');
  add(form, 'textarea', 'composer-text');
  add(form, 'button', 'btn-send');
  add(chat, 'p', 'composer-note');
  const right = add(b, 'aside', 'contact-card');
  add(right, 'div', 'contact-body');
  add(add(right, 'section'), 'ul', 'contact-sessions');
  add(add(right, 'section'), 'ul', 'contact-leads');
  const tm = add(b, 'div', 'transfer-modal', { className: 'modal', hidden: true });
  const tf = add(tm, 'form', 'transfer-form');
  for (const id of ['tr-mode-group', 'tr-mode-operator']) add(tf, 'input', id);
  add(tf, 'select', 'tr-group');
  const ow = add(tf, 'div', 'tr-operator-wrap');
  add(ow, 'select', 'tr-operator');
  add(tf, 'textarea', 'tr-note');
  add(tf, 'p', 'tr-error');
  add(b, 'div', 'help-modal', { className: 'modal', hidden: true });
  add(b, 'div', 'toasts');
}

/* ------------------------------------------------------------ the fake world */

const ME = { id: 7, username: 'olga', display_name: 'Olga', max_sessions: 3, groups: [1], status: 'online', active_sessions: 2, supervised_groups: [] };

function session(id, extra) {
  return Object.assign({
    id, dialog: id * 10, contact: id * 100, channel: 1, group: 1, operator: 7, status: 'active', close_reason: '',
    created_at: '2025-01-01T10:00:00Z', assigned_at: '2025-01-01T10:00:0' + id + 'Z', contact_name: 'Contact ' + id,
    channel_type: 'telegram', channel_name: 'Bot', group_name: 'Support', operator_name: 'Olga', sla_target_s: 60,
    unread_count: 0, last_message: null, last_contact_message_at: null,
  }, extra || {});
}

function world() {
  const doc = new Document();
  skeleton(doc, { username: 'olga', api_base: '/api/v1/', socket_path: '/ws/operator/', csrf_token: 'boot', language: 'en' });
  const calls = [];
  const sockets = [];
  const routes = {
    'GET /api/v1/operators/me/': () => ME,
    'GET /api/v1/sessions/?status=active&operator=7&page_size=100': () => ({ count: 2, next: null, previous: null, results: [
      session(1, { contact_name: '<img src=x onerror=alert(1)>', unread_count: 2,
        last_message: { id: 11, text: 'hello <b>there</b>', sender_type: 'contact', created_at: new Date().toISOString() },
        last_contact_message_at: new Date().toISOString() }),
      session(2),
    ] }),
    'GET /api/v1/sessions/?status=closed&operator=7&ordering=-closed_at&page_size=10': () => ({ count: 0, results: [] }),
    'GET /api/v1/queues/': () => [{ group: 1, name: 'Support', size: 1, oldest_queued_at: '2025-01-01T10:00:00Z' }],
    'GET /api/v1/sessions/?dialog=10&page_size=200': () => ({ count: 1, results: [session(1)] }),
    'GET /api/v1/dialogs/10/messages/': () => ({ count: 2, next: null, results: [
      { id: 10, dialog: 10, session: 1, sender_type: 'contact', sender_name: 'C', text: 'hi', attachments: [
        { id: 1, name: 'x.png', url: 'javascript:alert(1)', content_type: 'image/png', size: 10 },
        { id: 2, name: 'y.pdf', url: '/media/y.pdf', content_type: 'application/pdf', size: 2048 }], created_at: '2025-01-01T10:00:00Z' },
      { id: 11, dialog: 10, session: 1, sender_type: 'contact', sender_name: 'C', text: 'hello <b>there</b>', attachments: [], created_at: '2025-01-01T10:00:01Z' },
    ] }),
    'GET /api/v1/contacts/100/': () => ({ id: 100, name: '<img src=x onerror=alert(1)>', email: '', phone: '+1', attributes: { plan: 'pro' }, identities: [{ channel_type: 'telegram', external_id: '42' }] }),
    'GET /api/v1/sessions/?contact=100&page_size=20': () => ({ count: 1, results: [session(1)] }),
    'GET /api/v1/leads/?contact=100': () => { const e = new Error(); e.status = 404; throw e; },
    'POST /api/v1/sessions/1/read/': () => ({}),
    'POST /api/v1/sessions/1/messages/': (body) => ({ id: 50, dialog: 10, session: 1, sender_type: 'operator', sender_name: 'Olga', text: body.text, client_id: body.client_id, attachments: [], created_at: '2025-01-01T10:01:00Z' }),
  };
  function fetch(url, opts) {
    const key = opts.method + ' ' + url;
    if (/^GET \/api\/v1\/dialogs\/\d+\/messages\/\?after=/.test(key) && !routes[key]) {
      calls.push({ key, headers: opts.headers });
      return Promise.resolve({ status: 200, ok: true, text: () => Promise.resolve('{"count":0,"next":null,"results":[]}') });
    }
    const body = opts.body ? JSON.parse(opts.body) : undefined;
    calls.push({ key, body, headers: opts.headers });
    const route = routes[key];
    let status = 200;
    let data;
    if (!route) status = 404;
    else {
      try { data = route(body); } catch (e) { status = e.status || 500; }
    }
    // a route may answer later: a promise of its data
    return Promise.resolve(data).then((d) => ({ status, ok: status < 300, text: () => Promise.resolve(d === undefined ? '' : JSON.stringify(d)) }));
  }
  class FakeSocket {
    constructor(url) { this.url = url; this.readyState = 0; this.sent = []; sockets.push(this); }
    send(data) { this.sent.push(JSON.parse(data)); }
    close(code) { this.readyState = 3; if (this.onclose) this.onclose({ code: code || 1000 }); }
    open() { this.readyState = 1; this.onopen && this.onopen(); }
    receive(obj) { this.onmessage({ data: JSON.stringify(obj) }); }
  }
  const assigned = [];
  const win = {
    document: doc, fetch, WebSocket: FakeSocket, Intl, console,
    location: { protocol: 'http:', host: 'cc.test', hash: '', assign: (u) => assigned.push(u) },
    history: { replaceState() {} },
    navigator: { onLine: true },
    setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); t.unref(); return t; },
    clearTimeout, setInterval: () => 0, clearInterval: () => {},
    addEventListener() {}, focus() {},
  };
  win.window = win;
  const page = boot(win);
  return { doc, win, calls, sockets, routes, assigned, page };
}

const settle = (ms) => new Promise((r) => setTimeout(r, ms || 30));
const texts = (el) => el.children.map((c) => c.textContent);

test('the page loads, opens a chat, sends, dedupes, reconnects and resends', async () => {
  const w = world();
  const $ = (id) => w.doc.getElementById(id);
  await settle();

  // the lists, with markup shown as text, and the unread count in the title
  const mine = $('list-mine');
  assert.equal(mine.children.length, 2);
  assert.match(mine.children[0].textContent, /<img src=x onerror=alert\(1\)>/);
  assert.match(mine.children[0].textContent, /<1 min/); // the live wait
  assert.equal(w.doc.title, '(2) Inbox');
  assert.equal($('count-mine').textContent, '2 / 3');
  assert.match($('list-queues').textContent, /Support/);

  // the socket: hello marks the page connected
  assert.equal(w.sockets.length, 1);
  assert.equal(w.sockets[0].url, 'ws://cc.test/ws/operator/');
  w.sockets[0].open();
  w.sockets[0].receive({ type: 'hello', operator: { id: 7, status: 'online' } });
  await settle();
  assert.equal($('conn').hidden, true);

  // open the first chat: the timeline, the contact card, the read mark
  mine.children[0].children[0].click();
  await settle(400);
  assert.equal($('chat').hidden, false);
  const timeline = $('timeline');
  assert.match(timeline.textContent, /Support/); // the session separator
  assert.match(timeline.textContent, /hello <b>there<\/b>/);
  const links = timeline.querySelectorAll('a');
  assert.deepEqual(links.map((a) => a.getAttribute('href')), ['/media/y.pdf']); // javascript: dropped
  assert.ok(w.calls.some((c) => c.key === 'POST /api/v1/sessions/1/read/' && c.body.message === 11));
  assert.equal(w.calls.find((c) => c.key === 'POST /api/v1/sessions/1/read/').headers['X-CSRFToken'], 'tok123');
  assert.equal(w.doc.title, 'Inbox');
  assert.match($('contact-body').textContent, /<img src=x onerror=alert\(1\)>/);
  assert.match($('contact-body').textContent, /pro/);
  assert.equal($('contact-leads').parentElement.hidden, true); // leads 404: nothing shown
  assert.equal($('composer-text').disabled, false);
  assert.equal($('btn-close').hidden, false);

  // send with Enter: a socket frame with a client_id, shown at once as pending
  const text = $('composer-text');
  text.value = 'Hi, how can I help?';
  text.dispatch('keydown', { key: 'Enter', shiftKey: false });
  const frame = w.sockets[0].sent.find((f) => f.type === 'message');
  assert.equal(frame.session, 1);
  assert.equal(frame.text, 'Hi, how can I help?');
  assert.ok(frame.client_id);
  assert.equal(text.value, '');
  assert.match(timeline.textContent, /Sending…/);

  // the ack and the echo leave one message
  w.sockets[0].receive({ type: 'ack', client_id: frame.client_id, id: 60 });
  w.sockets[0].receive({ type: 'message.created', message: { id: 60, dialog: 10, session: 1, sender_type: 'operator', sender_name: 'Olga', text: 'Hi, how can I help?', client_id: frame.client_id, attachments: [], created_at: '2025-01-01T10:02:00Z' } });
  await settle();
  assert.equal(timeline.textContent.split('Hi, how can I help?').length - 1, 1);
  assert.doesNotMatch(timeline.textContent, /Sending…/);

  // a contact message in another chat: unread badge and title
  w.sockets[0].receive({ type: 'message.created', message: { id: 70, dialog: 20, session: 2, sender_type: 'contact', sender_name: 'B', text: 'ping', attachments: [], created_at: new Date().toISOString() } });
  await settle();
  assert.equal(w.doc.title, '(1) Inbox');
  assert.match(mine.children[1].textContent, /ping/);

  // typing shows and hides
  w.sockets[0].receive({ type: 'typing', session: 1 });
  assert.equal($('typing').hidden, false);

  // the socket drops: reconnecting, a message typed meanwhile goes over HTTP with its client_id
  w.sockets[0].close(1006);
  assert.equal($('conn').hidden, false);
  assert.match($('conn').textContent, /Reconnecting/);
  text.value = 'still there?';
  text.dispatch('keydown', { key: 'Enter' });
  await settle();
  const post = w.calls.find((c) => c.key === 'POST /api/v1/sessions/1/messages/');
  assert.equal(post.body.text, 'still there?');
  assert.ok(post.body.client_id);
  assert.match(timeline.textContent, /still there\?/);

  // the backoff reconnects, and after hello the lists and the open dialog are refetched
  await settle(900);
  assert.equal(w.sockets.length, 2);
  const before = w.calls.length;
  w.sockets[1].open();
  w.sockets[1].receive({ type: 'hello', operator: { id: 7, status: 'online' } });
  await settle(100);
  const later = w.calls.slice(before).map((c) => c.key);
  assert.ok(later.includes('GET /api/v1/sessions/?status=active&operator=7&page_size=100'));
  assert.ok(later.some((k) => k.startsWith('GET /api/v1/dialogs/10/messages/?after=')), later.join('\n'));

  // a resync hint (the server's layer was down): the lists and the open dialog are refetched
  await settle(100);
  const beforeHint = w.calls.length;
  w.sockets[1].receive({ type: 'resync' });
  await settle(100);
  const refetched = w.calls.slice(beforeHint).map((c) => c.key);
  assert.ok(refetched.includes('GET /api/v1/sessions/?status=active&operator=7&page_size=100'), refetched.join('\n'));
  assert.ok(refetched.some((k) => k.startsWith('GET /api/v1/dialogs/10/messages/?after=')), refetched.join('\n'));

  // Alt+ArrowDown moves to the next chat
  w.doc.listeners.keydown.forEach((fn) => fn({ key: 'ArrowDown', code: 'ArrowDown', altKey: true, target: w.doc.body, preventDefault() {} }));
  await settle(100);
  assert.equal(w.page.state.open.sessionId, 2);

  // 4401: back to the login page
  w.sockets[1].close(4401);
  assert.deepEqual(w.assigned, ['/login/?next=/inbox/']);
});

test('take over the limit explains what to do', async () => {
  const w = world();
  w.routes['POST /api/v1/sessions/5/take/'] = () => { const e = new Error(); e.status = 409; throw e; };
  w.routes['GET /api/v1/sessions/?status=active&operator=7&page_size=100'] = () => ({ count: 3, results: [session(1), session(2), session(3)] });
  w.routes['GET /api/v1/sessions/?status=queued&group=1&page_size=100'] = () => ({ count: 1, results: [session(5, { status: 'queued', operator: null, queued_at: '2025-01-01T10:00:00Z' })] });
  await settle();
  const queues = w.doc.getElementById('list-queues');
  queues.children[0].children[0].click(); // expand the group
  await settle();
  const take = queues.querySelectorAll('button').find((b) => b.textContent === 'Take');
  assert.ok(take);
  take.dispatch('click');
  await settle();
  assert.match(w.doc.getElementById('toasts').textContent, /You already have 3 chats, your limit\. Close one to take another\./);
});

test('a panel plugs into its slot: drawn for the open chat, told of new messages', async () => {
  const calls = [];
  const leave = registerPanel({
    slot: 'suggestions',
    session(ctx) {
      calls.push('session ' + ctx.session.id);
      ctx.el.replaceChildren(ctx.h('p', { class: 'dummy', text: 'Ideas for ' + ctx.session.contact_name }));
    },
    message(ctx, m) {
      calls.push('message ' + m.id);
      ctx.el.append(ctx.h('p', { text: 'about: ' + m.text + ' (' + ctx.messages.length + ' messages)' }));
    },
  });
  try {
    const w = world();
    const $ = (id) => w.doc.getElementById(id);
    await settle();
    w.sockets[0].open();
    w.sockets[0].receive({ type: 'hello', operator: { id: 7, status: 'online' } });
    await settle();
    assert.equal($('slot-suggestions').hidden, true); // nothing open, nothing shown
    $('list-mine').children[1].children[0].click(); // chat 2
    await settle(400);
    assert.deepEqual(calls, ['session 2']);
    assert.equal($('slot-suggestions').hidden, false);
    assert.match($('slot-suggestions').textContent, /Ideas for Contact 2/);
    assert.equal($('slot-translation').hidden, true); // no panel there: stays hidden
    w.sockets[0].receive({ type: 'message.created', message: { id: 80, dialog: 20, session: 2, sender_type: 'contact', sender_name: 'B', text: 'refund?', attachments: [], created_at: new Date().toISOString() } });
    await settle();
    assert.deepEqual(calls, ['session 2', 'message 80']);
    assert.match($('slot-suggestions').textContent, /about: refund\? \(1 messages\)/);
    // a message of another chat is not this panel's business
    w.sockets[0].receive({ type: 'message.created', message: { id: 81, dialog: 10, session: 1, sender_type: 'contact', sender_name: 'C', text: 'x', attachments: [], created_at: new Date().toISOString() } });
    await settle();
    assert.deepEqual(calls, ['session 2', 'message 80']);
  } finally {
    leave();
  }
});

test("a translation that arrives while the chat's messages load is shown, not lost", async () => {
  const w = world();
  const $ = (id) => w.doc.getElementById(id);
  const plain = w.routes['GET /api/v1/dialogs/10/messages/'];
  let answer;
  w.routes['GET /api/v1/dialogs/10/messages/'] = () => new Promise((resolve) => { answer = () => resolve(plain()); });
  await settle();
  w.sockets[0].open();
  w.sockets[0].receive({ type: 'hello', operator: { id: 7, status: 'online' } });
  await settle();
  $('list-mine').children[0].children[0].click();
  await settle();
  assert.ok(answer, 'the messages are being fetched');
  // the message's translation is pushed before the fetch answers (read before it was written)
  w.sockets[0].receive({ type: 'message.updated', message: { id: 11, dialog: 10, session: 1, sender_type: 'contact', language: 'ru', translations: { en: 'hello over there' }, translation_status: 'translated' } });
  // and one of a message this operator will get later, in its own frame
  w.sockets[0].receive({ type: 'message.updated', message: { id: 12, dialog: 10, session: 1, sender_type: 'contact', language: 'ru', translations: { en: 'and more' }, translation_status: 'translated' } });
  await settle();
  answer();
  await settle(200);
  const timeline = $('timeline');
  assert.match(timeline.textContent, /hello <b>there<\/b>/);
  assert.match(timeline.textContent, /hello over there/);
  assert.doesNotMatch(timeline.textContent, /and more/);
  w.sockets[0].receive({ type: 'message.created', message: { id: 12, dialog: 10, session: 1, sender_type: 'contact', sender_name: 'C', text: 'ещё', attachments: [], created_at: new Date().toISOString() } });
  await settle();
  assert.match(timeline.textContent, /ещё/);
  assert.match(timeline.textContent, /and more/);
  // a translation of another chat's message is kept for nobody here
  w.sockets[0].receive({ type: 'message.updated', message: { id: 99, dialog: 20, session: 2, sender_type: 'contact', translations: { en: 'elsewhere' }, translation_status: 'translated' } });
  await settle();
  assert.doesNotMatch(timeline.textContent, /elsewhere/);
});

test('the script never writes HTML', () => {
  assert.doesNotMatch(SOURCE, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
});

test('a failing load is reported once, not retried in a loop', async () => {
  const w = world();
  w.routes['GET /api/v1/queues/'] = () => { const e = new Error(); e.status = 404; throw e; };
  await settle(200);
  assert.ok(w.calls.length < 10, String(w.calls.length));
  assert.match(w.doc.getElementById('toasts').textContent, /no longer available/);
  assert.equal(w.doc.getElementById('list-mine').children.length, 2); // the rest still shows
});

test('delivery marks follow the status, and a failed message can be sent again', async () => {
  const w = world();
  const $ = (id) => w.doc.getElementById(id);
  const reply = { id: 12, dialog: 10, session: 1, sender_type: 'operator', sender_name: 'Olga', text: 'It ships today', attachments: [], created_at: '2025-01-01T10:00:02Z', status: 'failed' };
  const base = w.routes['GET /api/v1/dialogs/10/messages/'];
  w.routes['GET /api/v1/dialogs/10/messages/'] = () => { const d = base(); d.results.push(reply); return d; };
  w.routes['POST /api/v1/sessions/1/messages/12/retry/'] = () => Object.assign({}, reply, { status: 'pending' });
  await settle();
  w.sockets[0].open();
  w.sockets[0].receive({ type: 'hello', operator: { id: 7, status: 'online' } });
  $('list-mine').children[0].children[0].click();
  await settle(400);
  const timeline = $('timeline');
  assert.match(timeline.textContent, /Not delivered/);

  const retry = timeline.querySelectorAll('button').find((b) => b.textContent === 'Retry');
  assert.ok(retry);
  retry.dispatch('click');
  await settle();
  assert.ok(w.calls.some((c) => c.key === 'POST /api/v1/sessions/1/messages/12/retry/'));
  assert.doesNotMatch(timeline.textContent, /Not delivered/);
  assert.match(timeline.textContent, /🕓/);

  // the server reports it sent, then read; a late "delivered" changes nothing
  w.sockets[0].receive({ type: 'message.status', message: { id: 12, dialog: 10, session: 1, status: 'sent' } });
  await settle();
  assert.match(timeline.textContent, /It ships today.*✓/s);
  w.sockets[0].receive({ type: 'message.status', message: { id: 12, dialog: 10, session: 1, status: 'read' } });
  w.sockets[0].receive({ type: 'message.status', message: { id: 12, dialog: 10, session: 1, status: 'delivered' } });
  await settle();
  const mark = timeline.querySelectorAll('span').find((s) => s.className.includes('delivery-'));
  assert.equal(mark.className, 'delivery delivery-read');
});

test('an SLA alert is a toast and a mark on the chat until it is answered', async () => {
  const w = world();
  await settle();
  w.sockets[0].open();
  w.sockets[0].receive({ type: 'hello', operator: { id: 7, status: 'online' } });
  w.sockets[0].receive({ type: 'sla.warning', session: 1, group: 1, waiting_s: 50, target_s: 60, contact_name: 'Maria', group_name: 'Support' });
  await settle();
  const row = () => w.doc.getElementById('list-mine').children.find((li) => li.dataset.id === 1);
  assert.match(w.doc.getElementById('toasts').textContent, /Maria has waited 50 s for a first answer \(Support\): 80 % of the 1 min target\./);
  assert.match(row().className, /sla-alert-warning/);
  w.sockets[0].receive({ type: 'sla.breached', session: 1, group: 1, waiting_s: 61, target_s: 60, contact_name: 'Maria', group_name: 'Support' });
  await settle();
  assert.match(row().className, /sla-alert-breached/);
  assert.match(w.doc.getElementById('toasts').textContent, /past the 1 min target/);
  // a private note is no answer; a reply is: the mark goes
  const reply = { id: 90, dialog: 10, session: 1, sender_type: 'operator', sender_name: 'Olga', text: 'x', attachments: [], created_at: '2025-01-01T10:02:00Z' };
  w.sockets[0].receive({ type: 'message.created', message: Object.assign({}, reply, { internal: true }) });
  await settle();
  assert.match(row().className, /sla-alert-breached/);
  w.sockets[0].receive({ type: 'message.created', message: Object.assign({}, reply, { id: 91 }) });
  await settle();
  assert.doesNotMatch(row().className, /sla-alert/);
  // and a session the server says is answered shows none either
  w.sockets[0].receive({ type: 'sla.warning', session: 2, group: 1, waiting_s: 50, target_s: 60 });
  w.sockets[0].receive({ type: 'session.updated', session: Object.assign(session(2), { first_response_at: '2025-01-01T10:02:00Z' }) });
  await settle();
  assert.doesNotMatch(w.doc.getElementById('list-mine').children.find((li) => li.dataset.id === 2).className, /sla-alert/);
});
