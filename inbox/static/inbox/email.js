/* E-mail in the open chat: each e-mail of the customer shows its subject and, when it
 * came with HTML, a "Show formatted" toggle beside the plain text.
 *
 * The HTML comes sanitised by the server (GET dialogs/{id}/emails/, nh3). It is still
 * never assigned as markup: it is parsed into an inert document (DOMParser: no script
 * runs, no image loads) and rebuilt here element by element from an allow-list, so the
 * page's rule holds (server data never becomes HTML) and its CSP needs nothing new.
 * Links open in a new tab without a referrer; images load only from the product's own
 * addresses (the inline images stored with the e-mail). */
import { win, doc, h, T, S, api, q, page } from './state.js';
import { fmt } from './logic.js';

export const EMAIL_TAGS = new Set(['a', 'abbr', 'b', 'blockquote', 'br', 'caption', 'center', 'cite',
  'code', 'col', 'colgroup', 'dd', 'del', 'div', 'dl', 'dt', 'em', 'figcaption', 'figure', 'h1', 'h2',
  'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'pre', 'q', 's',
  'small', 'span', 'strike', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead',
  'tr', 'tt', 'u', 'ul']);
// Dropped with everything inside them; any other unknown element is unwrapped.
const DROPPED = new Set(['script', 'style', 'title', 'head', 'noscript', 'template', 'iframe', 'object', 'embed', 'svg', 'math', 'form']);
const ATTRS = {
  a: ['href', 'title'], img: ['src', 'alt', 'title', 'width', 'height'],
  td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'], ol: ['start'],
};
const NUMERIC = new Set(['width', 'height', 'colspan', 'rowspan', 'start']);
const PAGE = 200; // the endpoint's page size

/** The value an attribute keeps in the rebuilt e-mail, or null when it is dropped. */
export function emailAttr(tag, name, value) {
  const n = String(name).toLowerCase();
  if ((ATTRS[tag] || []).indexOf(n) === -1) return null;
  const v = String(value === null || value === undefined ? '' : value).trim();
  if (tag === 'a' && n === 'href') return /^(https?:\/\/|mailto:)/i.test(v) ? v : null;
  if (tag === 'img' && n === 'src') return /^\/(?![/\\])/.test(v) ? v : null; // our own files only
  if (NUMERIC.has(n)) return /^\d{1,4}%?$/.test(v) ? v : null;
  return v.slice(0, 500);
}

function rebuild(source, into) {
  for (const node of Array.from(source.childNodes)) {
    if (node.nodeType === 3) { into.append(doc.createTextNode(node.data)); continue; }
    if (node.nodeType !== 1) continue;
    const tag = String(node.localName || '').toLowerCase();
    if (DROPPED.has(tag)) continue;
    if (!EMAIL_TAGS.has(tag)) { rebuild(node, into); continue; }
    const el = doc.createElement(tag);
    for (const attr of Array.from(node.attributes)) {
      const v = emailAttr(tag, attr.name, attr.value);
      if (v !== null) el.setAttribute(attr.name.toLowerCase(), v);
    }
    if (tag === 'a') { el.setAttribute('target', '_blank'); el.setAttribute('rel', 'noopener noreferrer'); }
    if (tag === 'img' && !el.hasAttribute('src')) el.className = 'email-blocked';
    rebuild(node, el);
    into.append(el);
  }
}

/** The e-mail's HTML as a detached element of the page, built from the allow-list. */
export function emailFormatted(html) {
  const box = h('div', { class: 'email-html' });
  if (!win.DOMParser) return box;
  const parsed = new win.DOMParser().parseFromString(String(html || ''), 'text/html');
  if (parsed && parsed.body) rebuild(parsed.body, box);
  return box;
}

function emailState() {
  const dialogId = S.open ? S.open.dialogId : null;
  if (!S.emails || S.emails.dialogId !== dialogId) {
    S.emails = { dialogId: dialogId, byMessage: new Map(), upTo: 0, loading: false, wanted: 0, shown: new Set() };
  }
  return S.emails;
}

function load(st, upTo) {
  st.wanted = Math.max(st.wanted, upTo);
  if (st.loading) return;
  st.loading = true;
  const after = st.upTo;
  api('GET', 'dialogs/' + st.dialogId + '/emails/' + (after ? q({ after: after }) : '')).then(function (list) {
    const got = Array.isArray(list) ? list : [];
    for (const item of got) st.byMessage.set(item.message, item);
    const full = got.length >= PAGE;
    st.upTo = full ? got[got.length - 1].message : Math.max(st.upTo, st.wanted);
    st.loading = false;
    if (S.emails !== st) return;
    if (full || st.wanted > st.upTo) load(st, st.wanted);
    page.renderTimeline();
  }, function () {
    st.loading = false;
    st.upTo = Math.max(st.upTo, st.wanted); // shown as plain text; the next e-mail asks again
  });
}

function toggle(id) {
  const st = emailState(); // the state of now: the one the button was drawn with may be gone
  if (st.shown.has(id)) st.shown.delete(id); else st.shown.add(id);
  page.renderTimeline();
}

/** What an e-mail message adds to its bubble (conversation.js calls it for every
 * message): {sig, head (above the text), node (below it), hideText}, or null. */
export function emailExtra(m) {
  const s = page.currentSession ? page.currentSession() : null;
  if (!S.open || !s || s.channel_type !== 'email' || m.sender_type !== 'contact' || typeof m.id !== 'number') return null;
  const st = emailState();
  if (m.id > st.upTo) load(st, m.id);
  const info = st.byMessage.get(m.id);
  if (!info) return null;
  const showing = !!info.html && st.shown.has(m.id);
  const head = info.subject ? h('div', { class: 'email-subject', text: fmt(T.emailSubject, { subject: info.subject }) }) : null;
  const node = info.html ? h('div', { class: 'email' },
    showing ? emailFormatted(info.html) : null,
    h('button', {
      type: 'button', class: 'link email-toggle', 'aria-pressed': showing ? 'true' : 'false',
      text: showing ? T.showPlain : T.showFormatted, onclick: function () { toggle(m.id); },
    })) : null;
  return { sig: 'email' + (showing ? '+' : '-'), head: head, node: node, hideText: showing };
}

Object.assign(page, { messageExtra: emailExtra });
