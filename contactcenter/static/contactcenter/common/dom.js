/* DOM helpers bound to one document. Server data never becomes HTML: ``h`` sets text with
 * textContent and attributes with setAttribute, and pages use nothing else. */

/** The JSON of a ``<script type="application/json" id=...>`` block, {} when absent or bad. */
export function readJson(doc, id) {
  const el = doc.getElementById(id);
  if (!el) return {};
  try { return JSON.parse(el.textContent || '{}') || {}; } catch (e) { return {}; }
}

/** Whether typing goes into this element (shortcuts must leave it alone). */
export function isEditable(el) {
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

/** Sets an element's text only when it changed (keeps selections and avoids reflows). */
export function setText(el, text) {
  const s = String(text);
  if (el.textContent !== s) el.textContent = s;
}

/** {$, h} for a document. h('div', {class: 'x', text: 'y', title: 'z', dataset: {...},
 * onclick: fn}, child...): children are nodes, strings or numbers (as text). */
export function domFor(doc) {
  function $(id) { return doc.getElementById(id); }
  function h(tag, attrs) {
    const el = doc.createElement(tag);
    const a = attrs || {};
    for (const key of Object.keys(a)) {
      const v = a[key];
      if (v === null || v === undefined || v === false) continue;
      if (key === 'class') el.className = v;
      else if (key === 'text') el.textContent = String(v);
      else if (key === 'dataset') Object.assign(el.dataset, v);
      else if (key.startsWith('on') && typeof v === 'function') el.addEventListener(key.slice(2), v);
      else if (v === true) el.setAttribute(key, '');
      else el.setAttribute(key, String(v));
    }
    for (let i = 2; i < arguments.length; i++) {
      const c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      el.append(typeof c === 'string' || typeof c === 'number' ? doc.createTextNode(String(c)) : c);
    }
    return el;
  }
  return { $: $, h: h };
}

/** A toast in the page's #toasts box (at most four), gone after a while or on its ×. */
export function showToast(win, h, text, kind, opts) {
  const o = opts || {};
  const box = win.document.getElementById('toasts');
  if (!box) return;
  const el = h('div', { class: 'toast ' + (kind || 'info'), role: kind === 'error' ? 'alert' : 'status' },
    h('span', { class: 'toast-text', text: text }),
    o.detail ? h('span', { class: 'toast-detail', text: o.detail }) : null,
    h('button', { type: 'button', class: 'toast-x', 'aria-label': o.closeLabel || '×', text: '×', onclick: function () { el.remove(); } }));
  box.append(el);
  while (box.children.length > 4) box.firstElementChild.remove();
  win.setTimeout(function () { el.remove(); }, kind === 'error' ? 9000 : (o.okMs || 3500));
}
