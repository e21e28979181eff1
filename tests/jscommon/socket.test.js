// The operator socket client shared by the inbox and the board
// (contactcenter/static/contactcenter/common/socket.js). Run: node --test tests/jscommon/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const load = require('../jsmodules/load.js');

let OperatorSocket;
test.before(async () => { ({ OperatorSocket } = await load('contactcenter/static/contactcenter/common/socket.js')); });

function fakeWindow() {
  const timers = [];
  const sockets = [];
  class FakeSocket {
    constructor(url) { this.url = url; this.readyState = 0; this.sent = []; sockets.push(this); }
    send(data) { this.sent.push(JSON.parse(data)); }
    close(code) { this.readyState = 3; this.onclose({ code: code || 1000 }); }
    open() { this.readyState = 1; this.onopen(); }
  }
  return {
    timers, sockets,
    location: { protocol: 'https:', host: 'cc.test' },
    navigator: { onLine: true },
    WebSocket: FakeSocket,
    setTimeout(fn, ms) { timers.push({ fn, ms, kind: 'timeout' }); return timers.length; },
    clearTimeout() {},
    setInterval(fn, ms) { timers.push({ fn, ms, kind: 'interval' }); return timers.length; },
    clearInterval() {},
  };
}

function client(win, extra) {
  const states = [];
  const frames = [];
  const sock = new OperatorSocket(win, Object.assign({
    path: '/ws/operator/', pingMs: 20000, silenceMs: 50000, backoff: (n) => 500 * Math.pow(2, n),
    onState: (s) => states.push(s), onFrame: (f) => frames.push(f),
  }, extra || {}));
  return { sock, states, frames };
}

test('connects to the path on the page host, parses frames and pings', () => {
  const win = fakeWindow();
  const c = client(win);
  c.sock.connect();
  assert.equal(win.sockets[0].url, 'wss://cc.test/ws/operator/');
  assert.deepEqual(c.states, ['connecting']);
  assert.equal(c.sock.send({ type: 'x' }), false); // not open yet
  win.sockets[0].open();
  win.sockets[0].onmessage({ data: '{"type":"hello"}' });
  win.sockets[0].onmessage({ data: 'not json' });
  assert.deepEqual(c.frames, [{ type: 'hello' }]);
  assert.equal(c.sock.send({ type: 'x' }), true);
  win.timers.find((t) => t.kind === 'interval' && t.ms === 20000).fn();
  assert.deepEqual(win.sockets[0].sent, [{ type: 'x' }, { type: 'ping' }]);
});

test('a dropped connection reconnects after a growing backoff, reset by hello', () => {
  const win = fakeWindow();
  const c = client(win);
  c.sock.connect();
  win.sockets[0].open();
  win.sockets[0].close(1006);
  assert.deepEqual(c.states, ['connecting', 'reconnecting']);
  assert.equal(win.timers.filter((t) => t.kind === 'timeout').pop().ms, 500);
  win.timers.filter((t) => t.kind === 'timeout').pop().fn();
  assert.equal(win.sockets.length, 2);
  win.sockets[1].close(1006);
  assert.equal(win.timers.filter((t) => t.kind === 'timeout').pop().ms, 1000);
  win.timers.filter((t) => t.kind === 'timeout').pop().fn();
  win.sockets[2].open();
  c.sock.hello();
  win.sockets[2].close(1006);
  assert.equal(win.timers.filter((t) => t.kind === 'timeout').pop().ms, 500);
});

test('a silent connection is closed as dead; offline says so', () => {
  const win = fakeWindow();
  const c = client(win);
  c.sock.connect();
  win.sockets[0].open();
  const realNow = Date.now;
  Date.now = () => realNow() + 60000;
  try {
    win.navigator.onLine = false;
    win.timers.find((t) => t.kind === 'interval').fn();
  } finally {
    Date.now = realNow;
  }
  assert.equal(win.sockets[0].readyState, 3);
  assert.equal(c.states.pop(), 'offline');
});

test('onClose returning true stops reconnecting (e.g. 4401, 4403)', () => {
  const win = fakeWindow();
  const codes = [];
  const c = client(win, { onClose: (code) => { codes.push(code); return code === 4401; } });
  c.sock.connect();
  win.sockets[0].close(4401);
  assert.deepEqual(codes, [4401]);
  assert.equal(win.timers.filter((t) => t.kind === 'timeout').length, 0);
  c.sock.retryNow(); // the network is back: connect at once
  assert.equal(win.sockets.length, 2);
  c.sock.retryNow(); // already connecting: nothing more
  assert.equal(win.sockets.length, 2);
});
