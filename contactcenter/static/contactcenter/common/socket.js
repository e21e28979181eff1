/* The operator socket (/ws/operator/) from a page: one connection to a path on the page's
 * host, a ping every pingMs, a connection silent for silenceMs closed as dead (when
 * given), and reconnection after the backoff. The page decides what frames mean; it says
 * when the server greeted it (hello()), which resets the backoff. */
import { socketUrl } from './net.js';

/**
 * opts: {path, pingMs, silenceMs (optional), backoff(attempt) -> ms,
 *        onState(state): "connecting" (first time), "reconnecting", "offline" (no network),
 *        onFrame(frame): each JSON object received,
 *        onClose(code): the connection closed; return true to stop reconnecting (4401...)}.
 * Returns {connect, send(frame) -> bool, isOpen(), hello(), retryNow(), socket()}.
 */
export function operatorSocket(win, opts) {
  const st = { ws: null, attempt: 0, everConnected: false, lastFrameAt: 0, reconnectTimer: null, pingTimer: null };

  function stopPing() { win.clearInterval(st.pingTimer); st.pingTimer = null; }

  function startPing() {
    stopPing();
    st.pingTimer = win.setInterval(function () {
      const ws = st.ws;
      if (!ws || ws.readyState !== 1) return;
      if (opts.silenceMs && Date.now() - st.lastFrameAt > opts.silenceMs) { ws.close(); return; }
      ws.send(JSON.stringify({ type: 'ping' }));
    }, opts.pingMs);
  }

  function scheduleReconnect() {
    if (st.reconnectTimer) return;
    const delay = opts.backoff(st.attempt++);
    st.reconnectTimer = win.setTimeout(function () { st.reconnectTimer = null; connect(); }, delay);
  }

  function onClose(ws, ev) {
    if (st.ws !== ws) return;
    stopPing();
    st.ws = null;
    if (opts.onClose && opts.onClose(ev.code)) return;
    opts.onState(win.navigator && win.navigator.onLine === false ? 'offline' : 'reconnecting');
    scheduleReconnect();
  }

  function connect() {
    win.clearTimeout(st.reconnectTimer);
    st.reconnectTimer = null;
    opts.onState(st.everConnected ? 'reconnecting' : 'connecting');
    let ws;
    try {
      ws = new win.WebSocket(socketUrl(win.location, opts.path));
    } catch (e) {
      scheduleReconnect();
      return;
    }
    st.ws = ws;
    ws.onopen = function () { st.lastFrameAt = Date.now(); startPing(); };
    ws.onmessage = function (ev) {
      st.lastFrameAt = Date.now();
      let frame;
      try { frame = JSON.parse(ev.data); } catch (e) { return; }
      if (frame && typeof frame === 'object') opts.onFrame(frame);
    };
    ws.onclose = function (ev) { onClose(ws, ev); };
    ws.onerror = function () { /* onclose follows */ };
  }

  function isOpen() { return !!(st.ws && st.ws.readyState === 1); }

  function send(frame) {
    if (!isOpen()) return false;
    try { st.ws.send(JSON.stringify(frame)); return true; } catch (e) { return false; }
  }

  /** The server said hello: connected for good, the next drop starts the backoff anew. */
  function hello() { st.attempt = 0; st.everConnected = true; }

  /** The network is back: connect now when not connected, without waiting. */
  function retryNow() {
    if (st.ws) return;
    st.attempt = 0;
    connect();
  }

  return { connect: connect, send: send, isOpen: isOpen, hello: hello, retryNow: retryNow, socket: function () { return st.ws; } };
}
