'use strict';
// A very small DOM: enough for the widget UI to mount, render and react to events in Node.

class Node {
  constructor(doc) { this.ownerDocument = doc; this.parentNode = null; this.childNodes = []; }
  get firstChild() { return this.childNodes[0] || null; }
  get lastChild() { return this.childNodes[this.childNodes.length - 1] || null; }
  get previousSibling() { const s = this.parentNode && this.parentNode.childNodes; return s ? s[s.indexOf(this) - 1] || null : null; }
  get nextSibling() { const s = this.parentNode && this.parentNode.childNodes; return s ? s[s.indexOf(this) + 1] || null : null; }
  get children() { return this.childNodes.filter((n) => n instanceof Element); }
  appendChild(n) { return this.insertBefore(n, null); }
  insertBefore(n, ref) {
    if (n.parentNode) n.remove();
    const i = ref ? this.childNodes.indexOf(ref) : -1;
    if (ref && i < 0) throw new Error('ref is not a child');
    if (i < 0) this.childNodes.push(n); else this.childNodes.splice(i, 0, n);
    n.parentNode = this;
    return n;
  }
  remove() {
    if (!this.parentNode) return;
    const s = this.parentNode.childNodes;
    s.splice(s.indexOf(this), 1);
    this.parentNode = null;
  }
  replaceWith(n) { const p = this.parentNode; p.insertBefore(n, this); this.remove(); }
  get textContent() { return this.childNodes.map((c) => c.textContent).join(''); }
  set textContent(v) { for (const c of this.childNodes.slice()) c.remove(); if (v !== '') this.appendChild(new Text(this.ownerDocument, String(v))); }
}

class Text extends Node {
  constructor(doc, data) { super(doc); this.data = data; }
  get textContent() { return this.data; }
  set textContent(v) { this.data = String(v); }
}

const BOOL_PROPS = ['hidden', 'disabled', 'required'];

class Element extends Node {
  constructor(doc, tag, ns) {
    super(doc);
    this.tagName = tag.toUpperCase();
    this.namespaceURI = ns || 'http://www.w3.org/1999/xhtml';
    this.attributes = new Map();
    this.listeners = {};
    this.style = { setProperty: (k, v) => { this.style[k] = v; } };
    this.scrollTop = 0; this.scrollHeight = 100; this.clientHeight = 100;
    this._value = undefined;
    const el = this;
    this.classList = {
      add: (...c) => { const s = el._classes(); c.forEach((x) => s.add(x)); el._setClasses(s); },
      remove: (...c) => { const s = el._classes(); c.forEach((x) => s.delete(x)); el._setClasses(s); },
      toggle: (c, on) => { const s = el._classes(); if (on === undefined ? !s.has(c) : on) s.add(c); else s.delete(c); el._setClasses(s); },
      contains: (c) => el._classes().has(c),
    };
  }
  _classes() { return new Set((this.getAttribute('class') || '').split(/\s+/).filter(Boolean)); }
  _setClasses(s) { this.setAttribute('class', Array.from(s).join(' ')); }
  setAttribute(k, v) { this.attributes.set(k, String(v)); }
  getAttribute(k) { return this.attributes.has(k) ? this.attributes.get(k) : null; }
  hasAttribute(k) { return this.attributes.has(k); }
  removeAttribute(k) { this.attributes.delete(k); }
  get value() { return this._value !== undefined ? this._value : this.getAttribute('value') || ''; }
  set value(v) { this._value = String(v); }
  addEventListener(t, fn) { (this.listeners[t] = this.listeners[t] || []).push(fn); }
  removeEventListener(t, fn) { this.listeners[t] = (this.listeners[t] || []).filter((f) => f !== fn); }
  dispatch(type, props) {
    const ev = Object.assign({ type, target: this, defaultPrevented: false, stopped: false,
      preventDefault() { this.defaultPrevented = true; }, stopPropagation() { this.stopped = true; } }, props);
    for (let n = this; n && !ev.stopped; n = n.parentNode || n.host) {
      ev.currentTarget = n;
      for (const fn of (n.listeners && n.listeners[type]) || []) fn(ev);
    }
    return ev;
  }
  click() { if (!this.disabled) this.dispatch('click'); }
  focus() { this.ownerDocument.activeElement = this; this.dispatch('focus'); }
  attachShadow() { const r = new Element(this.ownerDocument, '#shadow-root'); r.host = this; this.shadow = r; return r; }
  matches(sel) {
    return sel.split(',').some((s) => {
      const m = /^([a-z-]*)(?:\.([\w-]+))?$/i.exec(s.trim());
      return m && (!m[1] || m[1].toUpperCase() === this.tagName) && (!m[2] || this.classList.contains(m[2]));
    });
  }
  querySelectorAll(sel) {
    const out = [];
    const walk = (n) => { for (const c of n.children) { if (c.matches(sel)) out.push(c); walk(c); } };
    walk(this);
    return out;
  }
  querySelector(sel) { return this.querySelectorAll(sel)[0] || null; }
}
for (const p of BOOL_PROPS) {
  Object.defineProperty(Element.prototype, p, {
    get() { return this.hasAttribute(p); },
    set(v) { if (v) this.setAttribute(p, ''); else this.removeAttribute(p); },
  });
}

function createWindow(opts) {
  const o = opts || {};
  const doc = { hidden: false, activeElement: null, listeners: {} };
  doc.createElement = (t) => new Element(doc, t);
  doc.createElementNS = (ns, t) => new Element(doc, t, ns);
  doc.createTextNode = (s) => new Text(doc, s);
  doc.documentElement = new Element(doc, 'html');
  doc.body = doc.documentElement.appendChild(new Element(doc, 'body'));
  doc.addEventListener = (t, fn) => { (doc.listeners[t] = doc.listeners[t] || []).push(fn); };
  let seq = 0;
  const timers = new Map();
  const win = {
    document: doc,
    navigator: { language: o.language || 'en-US', languages: [o.language || 'en-US'] },
    location: { href: o.href || 'https://shop.example/cart' },
    listeners: {},
    addEventListener(t, fn) { (this.listeners[t] = this.listeners[t] || []).push(fn); },
    removeEventListener(t, fn) { this.listeners[t] = (this.listeners[t] || []).filter((f) => f !== fn); },
    setTimeout: (fn, ms) => { timers.set(++seq, { fn, ms }); return seq; },
    clearTimeout: (id) => timers.delete(id),
    timers,
    runTimers() { const all = Array.from(timers.values()); timers.clear(); all.forEach((t) => t.fn()); },
  };
  return win;
}

/** Every element under root (including shadow roots), depth first. */
function all(root) {
  const out = [];
  const walk = (n) => { for (const c of n.childNodes) { if (c instanceof Element) { out.push(c); if (c.shadow) walk(c.shadow); walk(c); } } };
  if (root.shadow) walk(root.shadow);
  walk(root);
  return out;
}

const byClass = (root, cls) => all(root).filter((e) => e.classList.contains(cls));
const byTag = (root, tag) => all(root).filter((e) => e.tagName === tag.toUpperCase());
const visible = (el) => { for (let n = el; n; n = n.parentNode || n.host) if (n.hidden) return false; return true; };

module.exports = { createWindow, Element, Text, all, byClass, byTag, visible };
