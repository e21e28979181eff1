/* The REST API from a page: JSON in and out, the CSRF token on writes, a 401 sends the
 * user to the login page. Errors are ApiError with the HTTP status (0: no network). */

export class ApiError extends Error {
  constructor(status, body) { super('API ' + status); this.status = status; this.body = body; }
}

/** The CSRF cookie, else the token the page's bootstrap carries. */
export function csrfToken(doc, fallback) {
  const m = /(?:^|;\s*)csrftoken=([^;]+)/.exec(doc.cookie || '');
  return m ? decodeURIComponent(m[1]) : fallback || '';
}

/** "?a=1&b=x" from {a: 1, b: 'x', c: null}; '' when nothing is left. */
export function query(params) {
  const parts = [];
  for (const k of Object.keys(params)) {
    if (params[k] !== null && params[k] !== undefined) parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(params[k]));
  }
  return parts.length ? '?' + parts.join('&') : '';
}

/** A list answer's rows, paginated ({results: [...]}) or not. */
export function results(data) {
  if (Array.isArray(data)) return data;
  return (data && Array.isArray(data.results)) ? data.results : [];
}

/** DRF's 400 body ({"field": ["message"]} or {"detail": "..."}) as one line. */
export function flattenErrors(body) {
  if (body === null || body === undefined) return '';
  if (typeof body === 'string') return body;
  if (Array.isArray(body)) return body.map(flattenErrors).filter(Boolean).join(' ');
  if (typeof body === 'object') {
    if (typeof body.detail === 'string') return body.detail;
    return Object.keys(body).map(function (k) {
      const v = flattenErrors(body[k]);
      return k === 'non_field_errors' ? v : k + ': ' + v;
    }).filter(Boolean).join('; ');
  }
  return String(body);
}

/** api(method, path, body) for a page. cfg: {win, base, csrf (fallback token), loginUrl}.
 * A path starting with "/" or a scheme is used as is, else it is under ``base``; a
 * FormData body is sent as multipart. */
export function makeApi(cfg) {
  const win = cfg.win;
  return async function api(method, path, body) {
    const url = /^(https?:)?\//.test(path) ? path : cfg.base + path;
    const headers = { Accept: 'application/json' };
    let payload;
    if (typeof FormData !== 'undefined' && body instanceof FormData) payload = body;
    else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
    if (method !== 'GET') headers['X-CSRFToken'] = csrfToken(win.document, cfg.csrf);
    let res;
    try {
      res = await win.fetch(url, { method: method, headers: headers, body: payload, credentials: 'same-origin' });
    } catch (e) {
      throw new ApiError(0, null);
    }
    let data = null;
    const text = await res.text().catch(function () { return ''; });
    if (text) { try { data = JSON.parse(text); } catch (e) { data = null; } }
    if (res.status === 401) { win.location.assign(cfg.loginUrl); throw new ApiError(401, data); }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  };
}
