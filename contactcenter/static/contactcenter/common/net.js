/* Connections and identifiers: reconnect backoff, throttling, safe URLs, client ids. */

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 30000;

/** Reconnect delay: 0.5 s doubling up to 30 s, plus up to 20% random jitter (``random``
 * returns 0 to 1; pass one that returns 0 for no jitter). */
export function backoffDelay(attempt, random) {
  const rnd = typeof random === 'function' ? random() : Math.random();
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * Math.pow(2, Math.max(0, attempt)));
  return Math.round(base + base * 0.2 * rnd);
}

/** Allows one call per key every ms milliseconds (the typing signal). */
export function makeThrottle(ms, clock) {
  const last = new Map();
  const now = clock || Date.now;
  return function (key) {
    const t = now();
    if (last.has(key) && t - last.get(key) < ms) return false;
    last.set(key, t);
    return true;
  };
}

/** The URL when it is http(s) or relative, else null (javascript:, data:...). Browsers
 * ignore tabs and newlines inside URLs, so they are removed before the check. */
export function safeUrl(url) {
  if (typeof url !== 'string') return null;
  const clean = url.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
  if (!clean) return null;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(clean);
  if (scheme) return /^https?$/i.test(scheme[1]) ? clean : null;
  if (/^[\\/][\\]/.test(clean)) return null;
  return clean;
}

/** A random UUID (v4) for client ids, with a fallback for old browsers. */
export function uuid() {
  const c = typeof crypto !== 'undefined' ? crypto : null;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const b = new Uint8Array(16);
  if (c && c.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, function (x) { return x.toString(16).padStart(2, '0'); }).join('');
  return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
}

/** The ws(s) address of a socket path on the page's own host. */
export function socketUrl(location, path) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return proto + '//' + location.host + path;
}
