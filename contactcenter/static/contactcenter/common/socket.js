/* The operator socket (/ws/operator/) from a page: one connection to a path on the page's
 * host, a ping every pingMs, a connection silent for silenceMs closed as dead (when
 * given), and reconnection after the backoff. The page decides what frames mean; it says
 * when the server greeted it (hello()), which resets the backoff. */
import { socketUrl } from './net.js';

/**
 * new OperatorSocket(win, opts), opts: {path, pingMs, silenceMs (optional),
 *   backoff(attempt) -> ms,
 *   onState(state): "connecting" (first time), "reconnecting", "offline" (no network),
 *   onFrame(frame): each JSON object received,
 *   onClose(code): the connection closed; return true to stop reconnecting (4401...)}.
 */
export class OperatorSocket {
  constructor(win, opts) {
    this.win = win;
    this.opts = opts;
    this.ws = null;
    this.attempt = 0;
    this.everConnected = false;
    this.lastFrameAt = 0;
    this.reconnectTimer = null;
    this.pingTimer = null;
  }

  connect() {
    this.win.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.opts.onState(this.everConnected ? 'reconnecting' : 'connecting');
    let ws;
    try {
      ws = new this.win.WebSocket(socketUrl(this.win.location, this.opts.path));
    } catch (e) {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    const self = this;
    ws.onopen = function () { self.lastFrameAt = Date.now(); self.startPing(); };
    ws.onmessage = function (ev) { self.receive(ev.data); };
    ws.onclose = function (ev) { self.closed(ws, ev); };
    ws.onerror = function () { /* onclose follows */ };
  }

  receive(data) {
    this.lastFrameAt = Date.now();
    let frame;
    try { frame = JSON.parse(data); } catch (e) { return; }
    if (frame && typeof frame === 'object') this.opts.onFrame(frame);
  }

  closed(ws, ev) {
    if (this.ws !== ws) return;
    this.stopPing();
    this.ws = null;
    if (this.opts.onClose && this.opts.onClose(ev.code)) return;
    const nav = this.win.navigator;
    this.opts.onState(nav && nav.onLine === false ? 'offline' : 'reconnecting');
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.reconnectTimer) return;
    const self = this;
    const delay = this.opts.backoff(this.attempt++);
    this.reconnectTimer = this.win.setTimeout(function () { self.reconnectTimer = null; self.connect(); }, delay);
  }

  startPing() {
    this.stopPing();
    const self = this;
    this.pingTimer = this.win.setInterval(function () { self.ping(); }, this.opts.pingMs);
  }

  ping() {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1) return;
    if (this.opts.silenceMs && Date.now() - this.lastFrameAt > this.opts.silenceMs) { ws.close(); return; }
    ws.send(JSON.stringify({ type: 'ping' }));
  }

  stopPing() { this.win.clearInterval(this.pingTimer); this.pingTimer = null; }

  isOpen() { return !!(this.ws && this.ws.readyState === 1); }

  /** Sends a frame now; false when not connected (the caller keeps it for later). */
  send(frame) {
    if (!this.isOpen()) return false;
    try { this.ws.send(JSON.stringify(frame)); return true; } catch (e) { return false; }
  }

  /** The server said hello: connected for good, the next drop starts the backoff anew. */
  hello() { this.attempt = 0; this.everConnected = true; }

  /** The network is back: connect now when not connected, without waiting. */
  retryNow() {
    if (this.ws) return;
    this.attempt = 0;
    this.connect();
  }
}
