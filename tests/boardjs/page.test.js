// The page half of board.js against a small fake DOM, fetch, socket and timers: a smoke
// test of the wiring (load, render, live frames, alerts, inline changes, 4403, no innerHTML).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const load = require('../jsmodules/load.js');

// the board's modules and the common ones they import
const SOURCE = load.sources('routing/static/routing', 'contactcenter/static/contactcenter/common').join('\n');
let boot;
test.before(async () => { ({ boot } = await load('routing/static/routing/board.js')); });

/* ------------------------------------------------------------ a very small DOM */

class TextNode {
  constructor(text) { this.nodeType = 3; this.data = String(text); this.parentElement = null; }
  get textContent() { return this.data; }
  remove() { if (this.parentElement) this.parentElement._drop(this); }
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
    this.value = '';
    this.className = '';
    this.parentElement = null;
    const el = this;
    this.classList = {
      add(c) { if (!el.className.split(' ').includes(c)) el.className = (el.className + ' ' + c).trim(); },
      remove(c) { el.className = el.className.split(' ').filter((x) => x && x !== c).join(' '); },
      contains(c) { return el.className.split(' ').includes(c); },
    };
  }
  get children() { return this.childNodes.filter((n) => n.nodeType === 1); }
  get firstElementChild() { return this.children[0] || null; }
  get textContent() { return this.childNodes.map((n) => n.textContent).join(''); }
  set textContent(v) { for (const n of this.childNodes) n.parentElement = null; this.childNodes = []; if (v !== '') this.append(String(v)); }
  set innerHTML(v) { throw new Error('innerHTML used with ' + v); }
  set outerHTML(v) { throw new Error('outerHTML used with ' + v); }
  insertAdjacentHTML() { throw new Error('insertAdjacentHTML used'); }
  setAttribute(k, v) {
    this.attributes[k] = String(v);
    if (k === 'id') this.ownerDocument._ids.set(String(v), this);
    if (k === 'hidden') this.hidden = true;
  }
  getAttribute(k) { return k in this.attributes ? this.attributes[k] : null; }
  _drop(node) { this.childNodes = this.childNodes.filter((x) => x !== node); node.parentElement = null; }
  _adopt(n) {
    const node = typeof n === 'string' ? new TextNode(n) : n;
    if (node.parentElement) node.parentElement._drop(node);
    node.parentElement = this;
    return node;
  }
  append(...nodes) { for (const n of nodes) this.childNodes.push(this._adopt(n)); }
  insertBefore(node, ref) {
    const n = this._adopt(node);
    const at = ref ? this.childNodes.indexOf(ref) : -1;
    if (at < 0) this.childNodes.push(n); else this.childNodes.splice(at, 0, n);
    return n;
  }
  replaceChildren(...nodes) { for (const n of this.childNodes) n.parentElement = null; this.childNodes = []; this.append(...nodes); }
  remove() { if (this.parentElement) this.parentElement._drop(this); }
  addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
  dispatch(type, extra) {
    const ev = Object.assign({ type, target: this, preventDefault() { this.defaultPrevented = true; } }, extra || {});
    for (const fn of this.listeners[type] || []) fn(ev);
    return ev;
  }
  focus() { this.ownerDocument.activeElement = this; }
  blur() { if (this.ownerDocument.activeElement === this) { this.ownerDocument.activeElement = null; this.dispatch('blur'); } }
  all(pred) {
    const out = [];
    for (const c of this.children) { if (pred(c)) out.push(c); out.push(...c.all(pred)); }
    return out;
  }
  byClass(c) { return this.all((e) => e.classList.contains(c)); }
}

class Document {
  constructor() { this._ids = new Map(); this.listeners = {}; this.hidden = false; this.activeElement = null; this.cookie = 'csrftoken=tok'; }
  createElement(tag) { return new Element(this, tag); }
  createTextNode(t) { return new TextNode(t); }
  getElementById(id) { return this._ids.get(id) || null; }
  addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
  make(tag, id, text) { const el = this.createElement(tag); el.setAttribute('id', id); if (text) el.textContent = text; return el; }
}

/* ------------------------------------------------------------ the page's world */

function boardData() {
  return {
    server_time: new Date().toISOString(),
    groups: [{
      id: 1, name: 'Alpha <b>', routing_strategy: 'least_busy', default_max_sessions: 3,
      queue_size: 1, oldest_queued_at: new Date(Date.now() - 65000).toISOString(), active_sessions: 2,
      operators: [
        { id: 10, name: '<img src=x onerror=alert(1)>', status: 'online', connected: true, active_sessions: 2, limit: 3, max_sessions: null, last_assigned_at: null },
        { id: 11, name: 'Boris', status: 'away', connected: false, active_sessions: 1, limit: 1, max_sessions: 1, last_assigned_at: new Date(Date.now() - 630000).toISOString() },
      ],
    }],
  };
}

function world(options) {
  const opts = options || {};
  const doc = new Document();
  for (const id of ['board-updated', 'board-alerts', 'board-empty', 'board-loading', 'board-groups', 'toasts', 'board-conn']) doc.make('div', id);
  doc.make('script', 'board-bootstrap', JSON.stringify({
    api_base: '/api/v1/', board_path: 'board/', socket_path: opts.noSocket ? null : '/ws/operator/',
    poll_every_s: 10, language: 'en', csrf_token: 'tok',
  }));
  doc.make('script', 'board-strings', JSON.stringify({ live: 'Live!' }));

  const calls = [];
  const timers = [];
  const sockets = [];
  let data = boardData();
  let patchAnswer = null;
  const win = {
    document: doc,
    location: { protocol: 'http:', host: 'example.test', pathname: '/routing/board/', assign(u) { this.assigned = u; }, reload() { this.reloaded = true; } },
    setTimeout(fn, ms) { timers.push({ fn, ms, kind: 'timeout' }); return timers.length; },
    clearTimeout() {},
    setInterval(fn, ms) { timers.push({ fn, ms, kind: 'interval' }); return timers.length; },
    clearInterval() {},
    async fetch(url, init) {
      calls.push({ url, method: init.method, body: init.body ? JSON.parse(init.body) : undefined, headers: init.headers });
      if (init.method === 'PATCH') {
        const [status, body] = patchAnswer || [200, { id: 11, status: 'online', max_sessions: 1, active_sessions: 1 }];
        return { status, ok: status < 400, text: async () => JSON.stringify(body) };
      }
      return { status: 200, ok: true, text: async () => JSON.stringify(data) };
    },
    WebSocket: class {
      constructor(url) { this.url = url; this.readyState = 1; this.sent = []; sockets.push(this); }
      send(t) { this.sent.push(JSON.parse(t)); }
      frame(f) { this.onmessage({ data: JSON.stringify(f) }); }
    },
  };
  win.window = win;
  const app = boot(win);
  return {
    win, doc, calls, timers, sockets, app,
    setData(d) { data = d; }, answerPatch(status, body) { patchAnswer = [status, body]; },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/* ------------------------------------------------------------ tests */

test('the board loads, renders each group and operator as text, and ticks', async () => {
  const w = world();
  await settle();
  assert.deepEqual(w.calls.map((c) => c.url), ['/api/v1/board/']);
  const groups = w.doc.getElementById('board-groups');
  assert.equal(groups.children.length, 1);
  const card = groups.children[0];
  assert.equal(card.byClass('group-name')[0].textContent, 'Alpha <b>');
  assert.equal(card.byClass('op-name')[0].textContent, '<img src=x onerror=alert(1)>');
  const values = card.byClass('stat-value').map((e) => e.textContent);
  assert.equal(values[0], '1');
  assert.match(values[1], /^1 min 0\d s$/);
  assert.equal(values[2], '2');
  assert.equal(values[3], '1 of 2');
  const fills = card.byClass('load-fill');
  assert.deepEqual(fills.map((f) => f.className), ['load-fill load-ok', 'load-fill load-full']);
  assert.equal(fills[0].style.width, '67%');
  assert.deepEqual(card.byClass('op-last').map((e) => e.textContent), ['Never', '10 min ago']);
  assert.equal(w.doc.getElementById('board-loading').hidden, true);
  assert.equal(w.doc.getElementById('board-empty').hidden, true);
  // a second a tick and a poll every 10 s
  assert.deepEqual(w.timers.filter((t) => t.kind === 'interval').map((t) => t.ms).sort((a, b) => a - b), [1000, 10000]);
});

test('socket frames update the queue at once and refetch at most once a second', async () => {
  const w = world();
  await settle();
  const ws = w.sockets[0];
  assert.equal(ws.url, 'ws://example.test/ws/operator/');
  ws.onopen();
  ws.frame({ type: 'hello', operator: { id: 5, status: 'online' } });
  assert.equal(w.doc.getElementById('board-conn').textContent, 'Live!');
  ws.frame({ type: 'queue.updated', group: 1, size: 4 });
  const card = w.doc.getElementById('board-groups').children[0];
  assert.equal(card.byClass('stat-value')[0].textContent, '4');
  ws.frame({ type: 'session.updated', session: { id: 1 } });
  ws.frame({ type: 'message.created', message: { id: 1 } });
  await settle();
  // the first load was just now: the burst waits for one trailing refetch
  const pending = w.timers.filter((t) => t.kind === 'timeout');
  assert.equal(pending.length, 1);
  assert.ok(pending[0].ms <= 1000);
  pending[0].fn();
  await settle();
  assert.equal(w.calls.filter((c) => c.url === '/api/v1/board/').length, 2);
});

test('an alert frame shows a dismissible banner with the group and operator', async () => {
  const w = world();
  await settle();
  w.sockets[0].frame({ type: 'alert', kind: 'no_answer', operator: 'Anna', session: { id: 9, group: 1, contact_name: 'Ivan' } });
  const box = w.doc.getElementById('board-alerts');
  assert.equal(box.children.length, 1);
  const text = box.children[0].textContent;
  assert.match(text, /Alpha <b>/);
  assert.match(text, /A chat waited too long for Anna's answer and went back to the queue\./);
  assert.match(text, /Chat with Ivan/);
  box.children[0].byClass('alert-x')[0].dispatch('click');
  assert.equal(box.children.length, 0);
});

test('a status change is saved through the operators API', async () => {
  const w = world();
  await settle();
  const select = w.doc.getElementById('board-groups').children[0].byClass('op-status-select')[1];
  assert.equal(select.value, 'away');
  select.value = 'online';
  select.dispatch('change');
  await settle();
  const patch = w.calls.find((c) => c.method === 'PATCH');
  assert.equal(patch.url, '/api/v1/operators/11/');
  assert.deepEqual(patch.body, { status: 'online' });
  assert.equal(patch.headers['X-CSRFToken'], 'tok');
  assert.equal(w.doc.getElementById('toasts').textContent.includes('Saved.'), true);
});

test('a refused change is reverted and explained in a toast', async () => {
  const w = world();
  await settle();
  w.answerPatch(403, { detail: 'Supervisors may change only max_sessions and status.' });
  const select = w.doc.getElementById('board-groups').children[0].byClass('op-status-select')[1];
  select.value = 'offline';
  select.dispatch('change');
  await settle();
  assert.equal(select.value, 'away');
  assert.match(w.doc.getElementById('toasts').textContent, /groups you supervise/);
});

test('Enter saves a limit, a bad one is refused before sending, Escape reverts', async () => {
  const w = world();
  await settle();
  const input = w.doc.getElementById('board-groups').children[0].byClass('op-limit-input')[0];
  assert.equal(input.value, '');
  assert.equal(input.getAttribute('placeholder'), '3');
  input.focus();
  input.value = '250';
  input.dispatch('input');
  input.dispatch('keydown', { key: 'Enter' });
  await settle();
  assert.equal(w.calls.filter((c) => c.method === 'PATCH').length, 0);
  assert.match(w.doc.getElementById('toasts').textContent, /whole number from 0 to 100/);

  w.answerPatch(200, { id: 10, status: 'online', max_sessions: 4, active_sessions: 2 });
  input.value = '4';
  input.dispatch('keydown', { key: 'Enter' });
  await settle();
  const patch = w.calls.find((c) => c.method === 'PATCH');
  assert.equal(patch.url, '/api/v1/operators/10/');
  assert.deepEqual(patch.body, { max_sessions: 4 });
  assert.equal(input.value, '4');
  assert.equal(input.disabled, false);
  const row = w.doc.getElementById('board-groups').children[0].byClass('op-row')[0];
  assert.equal(row.byClass('load-text')[0].textContent, '2 / 4');

  input.focus();
  input.value = '9';
  input.dispatch('input');
  input.dispatch('keydown', { key: 'Escape' });
  assert.equal(input.value, '4'); // back to the saved value
});

test('a refresh does not overwrite a limit being typed', async () => {
  const w = world();
  await settle();
  const input = w.doc.getElementById('board-groups').children[0].byClass('op-limit-input')[1];
  input.focus();
  input.value = '7';
  input.dispatch('input');
  w.app.handleFrame({ type: 'queue.updated', group: 1, size: 0 });
  assert.equal(input.value, '7');
});

test('groups and operators that left the board disappear from it', async () => {
  const w = world();
  await settle();
  const next = boardData();
  next.groups[0].operators = next.groups[0].operators.slice(1);
  next.groups.push({ id: 2, name: 'Beta', routing_strategy: 'manual', default_max_sessions: 2, queue_size: 0,
    oldest_queued_at: null, active_sessions: 0, operators: [] });
  w.setData(next);
  w.timers.find((t) => t.ms === 10000).fn(); // the poll, inside the first second: deferred
  w.timers.filter((t) => t.kind === 'timeout').pop().fn();
  await settle();
  const cards = w.doc.getElementById('board-groups').children;
  assert.deepEqual(cards.map((c) => c.byClass('group-name')[0].textContent), ['Alpha <b>', 'Beta']);
  assert.equal(cards[0].byClass('op-row').length, 1);
  assert.equal(cards[1].byClass('group-empty')[0].hidden, false);
  assert.equal(cards[1].byClass('stat-value')[1].textContent, '—');
});

test('without an operator record the page polls and opens no socket', async () => {
  const w = world({ noSocket: true });
  await settle();
  assert.equal(w.sockets.length, 0);
  assert.equal(w.doc.getElementById('board-conn').textContent, 'Updates every 10 s');
});

test('a socket refused as not an operator falls back to polling', async () => {
  const w = world();
  await settle();
  w.sockets[0].onclose({ code: 4403 });
  assert.equal(w.doc.getElementById('board-conn').textContent, 'Updates every 10 s');
  assert.equal(w.timers.filter((t) => t.kind === 'timeout').length, 0);
  w.sockets.length = 0;
});

test('a dropped socket reconnects and refetches on the next hello', async () => {
  const w = world();
  await settle();
  w.sockets[0].frame({ type: 'hello' });
  w.sockets[0].onclose({ code: 1006 });
  assert.equal(w.doc.getElementById('board-conn').textContent, 'Reconnecting…');
  const retry = w.timers.filter((t) => t.kind === 'timeout').pop();
  assert.equal(retry.ms, 500);
  retry.fn();
  assert.equal(w.sockets.length, 2);
  w.sockets[1].frame({ type: 'hello' });
  await settle();
  const trailing = w.timers.filter((t) => t.kind === 'timeout').pop();
  trailing.fn();
  await settle();
  assert.equal(w.calls.filter((c) => c.url === '/api/v1/board/').length, 2);
});
