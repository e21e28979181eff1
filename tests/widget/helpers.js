'use strict';
// Fakes for driving the widget's protocol client without a browser or a server.
const widget = require('../../inbox/static/widget/widget.js');

class FakeWebSocket {
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeWebSocket.instances.push(this);
  }
  send(data) {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(JSON.parse(data));
  }
  close() {
    if (this.readyState === 3) return;
    this.readyState = 3;
  }
  // server side
  open() {
    this.readyState = 1;
    if (this.onopen) this.onopen({});
  }
  push(frame) {
    this.onmessage({ data: JSON.stringify(frame) });
  }
  serverClose(code) {
    this.readyState = 3;
    this.onclose({ code });
  }
  frames(type) {
    return this.sent.filter((f) => f.type === type);
  }
}
FakeWebSocket.instances = [];
FakeWebSocket.last = () => FakeWebSocket.instances[FakeWebSocket.instances.length - 1];

/** Manual timers: nothing runs until the test says so. */
function fakeTimers() {
  let seq = 0;
  const pending = new Map();
  return {
    setTimeout: (fn, ms) => { pending.set(++seq, { fn, ms }); return seq; },
    clearTimeout: (id) => { pending.delete(id); },
    pending,
    delays: () => Array.from(pending.values()).map((p) => p.ms),
    runAll() {
      const items = Array.from(pending.entries());
      pending.clear();
      for (const [, p] of items) p.fn();
    },
  };
}

function response(status, body) {
  return {
    status,
    ok: status >= 200 && status < 300,
    json: async () => { if (body === undefined) throw new Error('no body'); return body; },
  };
}

/** fetch that answers from a routing function and records every call. */
function fakeFetch(route) {
  const calls = [];
  const f = async (url, opts) => {
    const call = { url, opts: opts || {}, body: opts && typeof opts.body === 'string' ? JSON.parse(opts.body) : opts && opts.body };
    calls.push(call);
    const [status, body] = route(call, calls);
    return response(status, body);
  };
  f.calls = calls;
  return f;
}

let tokenSeq = 0;
function defaultRoute(call) {
  if (call.url.endsWith('/config/')) return [200, { name: 'Acme', color: '#112233', greeting: 'Hi', language: 'auto', prechat: { enabled: false, fields: [] }, topics: [], invitations: [], attachments: { max_bytes: 1000, types: ['image/png'] }, offline: false }];
  if (call.url.endsWith('/visitors/')) return [201, { visitor_token: 'tok-' + ++tokenSeq }];
  if (call.url.endsWith('/attachments/')) return [201, { client_id: 'x', id: 500 }];
  return [404, {}];
}

function makeClient(extra) {
  const timers = fakeTimers();
  const storage = widget.memoryStorage();
  const session = widget.memoryStorage();
  const fetch = fakeFetch((extra && extra.route) || defaultRoute);
  let now = 1_700_000_000_000;
  const opts = Object.assign({
    key: 'KEY1', base: 'https://cc.example.com', storage, session, fetch,
    WebSocket: FakeWebSocket, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout,
    now: () => now, random: () => 0.5, href: () => 'https://shop.example/cart',
    FormData: class { constructor() { this.parts = []; } append(...a) { this.parts.push(a); } },
  }, extra || {});
  const client = new widget.ChatClient(opts);
  return { client, timers, storage, session, fetch, opts, tick: (ms) => { now += ms; } };
}

const flush = () => new Promise((r) => setImmediate(r));

module.exports = { widget, FakeWebSocket, fakeTimers, fakeFetch, response, makeClient, defaultRoute, flush };
