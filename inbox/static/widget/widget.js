/*! Contact center website widget. Embed with:
 *  <script src="https://CC-HOST/static/widget/widget.js" data-channel="KEY" async></script>
 * No dependencies and no build step. The protocol and state half is plain logic that
 * also runs under Node for tests; the DOM half starts only inside a browser page.
 * Never put server or visitor data into HTML: everything goes through textContent. */
(function () {
  'use strict';

  const MAX_TEXT = 10000;
  const HISTORY_LIMIT = 150;
  const TYPING_EVERY_MS = 2000;
  const TYPING_SHOW_MS = 4000;
  const RESEND_UNAVAILABLE_MS = 1000;
  const CONNECT_TIMEOUT_MS = 15000;
  const SVGNS = 'http://www.w3.org/2000/svg';
  const AVAILABILITY_EVERY_MS = 60000;

  /* ------------------------------------------------------------------ i18n */

  const DICT = {
    en: {
      open: 'Open chat', close: 'Close chat', send: 'Send', attach: 'Attach a file',
      placeholder: 'Type a message…', online: 'Online', soon: 'We reply soon',
      offline: "We're offline. Leave a message and we'll get back to you.",
      noOperators: "No operator is online right now. Leave a message: we'll answer here as soon as someone is back.",
      connecting: 'Connecting…', unavailable: 'Chat is unavailable right now.',
      joined: '{name} joined the chat', typing: '{name} is typing…', typingAnon: 'Typing…',
      ended: 'The chat has ended', rate: 'How did we do?', star: '{n} of 5',
      comment: 'Comment (optional)', rateSend: 'Send rating', thanks: 'Thank you for your feedback!',
      sending: 'Sending…', failed: 'Not sent', retry: 'Retry', uploading: 'Uploading…',
      tooLong: 'The message is too long (at most 10,000 characters).',
      fileTooBig: 'The file is too large (at most {size}).', fileType: 'This file type is not allowed.',
      uploadFailed: 'The file could not be uploaded.', topic: 'Please choose a topic',
      prechat: 'Please introduce yourself before we start', name: 'Name', email: 'Email', phone: 'Phone',
      start: 'Start chat', required: 'This field is required.', badEmail: 'Enter a valid email address.',
      badPhone: 'Enter a valid phone number.', tryAgain: 'Something went wrong. Please try again.',
      you: 'You', unread: '{n} unread',
      showOriginal: 'Show original', showTranslation: 'Show translation',
      queue: 'You are number {n} in line', queueNext: 'You are next in line',
      waitLess: 'less than a minute', waitAbout: 'about {t}',
      minute: ['minute', 'minutes'], hour: ['hour', 'hours'], units: ['B', 'KB', 'MB', 'GB'],
    },
    ru: {
      open: 'Открыть чат', close: 'Закрыть чат', send: 'Отправить', attach: 'Прикрепить файл',
      placeholder: 'Напишите сообщение…', online: 'Онлайн', soon: 'Скоро ответим',
      offline: 'Сейчас мы не в сети. Оставьте сообщение, и мы ответим.',
      noOperators: 'Сейчас нет операторов в сети. Оставьте сообщение — мы ответим здесь, как только кто-нибудь освободится.',
      connecting: 'Подключение…', unavailable: 'Чат сейчас недоступен.',
      joined: '{name} подключается к чату', typing: '{name} печатает…', typingAnon: 'Печатает…',
      ended: 'Чат завершён', rate: 'Оцените, как мы помогли', star: '{n} из 5',
      comment: 'Комментарий (необязательно)', rateSend: 'Отправить оценку', thanks: 'Спасибо за отзыв!',
      sending: 'Отправка…', failed: 'Не отправлено', retry: 'Повторить', uploading: 'Загрузка…',
      tooLong: 'Сообщение слишком длинное (не больше 10 000 символов).',
      fileTooBig: 'Файл слишком большой (не больше {size}).', fileType: 'Такой тип файла не поддерживается.',
      uploadFailed: 'Не удалось загрузить файл.', topic: 'Выберите тему обращения',
      prechat: 'Представьтесь, пожалуйста, перед началом чата', name: 'Имя', email: 'Эл. почта', phone: 'Телефон',
      start: 'Начать чат', required: 'Обязательное поле.', badEmail: 'Введите корректный адрес эл. почты.',
      badPhone: 'Введите корректный номер телефона.', tryAgain: 'Что-то пошло не так. Попробуйте ещё раз.',
      you: 'Вы', unread: 'Непрочитанных: {n}',
      showOriginal: 'Показать оригинал', showTranslation: 'Показать перевод',
      queue: 'Перед вами в очереди {ahead} {people}', queueNext: 'Вы первый в очереди',
      waitLess: 'ожидание — меньше минуты', waitAbout: 'ожидание — примерно {t}',
      minute: ['минута', 'минуты', 'минут'], hour: ['час', 'часа', 'часов'],
      people: ['человек', 'человека', 'человек'], units: ['Б', 'КБ', 'МБ', 'ГБ'],
    },
  };

  function fmt(s, vars) {
    return String(s).replace(/\{(\w+)\}/g, (m, k) => (vars && vars[k] != null ? String(vars[k]) : m));
  }

  function t(lang, key, vars) {
    const d = DICT[lang] || DICT.en;
    const s = d[key] != null ? d[key] : DICT.en[key] != null ? DICT.en[key] : key;
    return typeof s === 'string' ? fmt(s, vars) : s;
  }

  /** Russian: 1 минута, 2 минуты, 5 минут, 11 минут, 21 минута; English: one / other. */
  function plural(lang, n, forms) {
    n = Math.abs(Math.trunc(n));
    if (lang === 'ru') {
      const d = n % 10, dd = n % 100;
      if (d === 1 && dd !== 11) return forms[0];
      if (d >= 2 && d <= 4 && (dd < 12 || dd > 14)) return forms[1];
      return forms[2];
    }
    return n === 1 ? forms[0] : forms[1];
  }

  function pickLang(attrLang, configLang, navLangs) {
    const norm = (l) => String(l || '').toLowerCase().slice(0, 2);
    if (DICT[norm(attrLang)]) return norm(attrLang);
    if (configLang && configLang !== 'auto' && DICT[norm(configLang)]) return norm(configLang);
    for (const l of navLangs || []) if (DICT[norm(l)]) return norm(l);
    return 'en';
  }

  function capitalize(s) {
    return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
  }

  function formatWait(lang, seconds) {
    const s = Number(seconds);
    if (seconds == null || !isFinite(s) || s < 0) return '';
    if (s < 60) return t(lang, 'waitLess');
    const m = Math.round(s / 60);
    const amount = m < 60 ? m + ' ' + plural(lang, m, t(lang, 'minute'))
      : Math.round(m / 60) + ' ' + plural(lang, Math.round(m / 60), t(lang, 'hour'));
    return t(lang, 'waitAbout', { t: amount });
  }

  /** "You are number 3 in line, about 2 minutes" / "Перед вами в очереди 2 человека, ожидание — примерно 2 минуты" */
  function formatQueue(lang, position, seconds) {
    const parts = [];
    const n = Math.trunc(Number(position));
    if (n === 1) parts.push(t(lang, 'queueNext'));
    else if (n > 1) parts.push(t(lang, 'queue', { n, ahead: n - 1, people: plural(lang, n - 1, t(lang, 'people')) }));
    const w = formatWait(lang, seconds);
    if (w) parts.push(w);
    return capitalize(parts.join(', '));
  }

  function formatSize(lang, bytes) {
    let n = Number(bytes);
    if (!isFinite(n) || n < 0) return '';
    const u = t(lang, 'units');
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    const v = i === 0 || n >= 10 ? Math.round(n) : Math.round(n * 10) / 10;
    return String(v).replace('.', lang === 'ru' ? ',' : '.') + ' ' + u[i];
  }

  /* ------------------------------------------------------------- helpers */

  function toText(v) {
    return v == null ? '' : String(v);
  }

  /** Code points, as the server (Python) counts them. */
  function textLength(s) {
    let n = 0;
    for (const _ of String(s)) n++;
    return n;
  }

  function uuid(random) {
    const c = typeof crypto !== 'undefined' ? crypto : null;
    if (c && typeof c.randomUUID === 'function') {
      try { return c.randomUUID(); } catch (e) { /* insecure context: fall through */ }
    }
    const b = new Uint8Array(16);
    if (c && typeof c.getRandomValues === 'function') c.getRandomValues(b);
    else for (let i = 0; i < 16; i++) b[i] = Math.floor((random || Math.random)() * 256);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    const x = Array.from(b, (v) => (v + 256).toString(16).slice(1)).join('');
    return x.slice(0, 8) + '-' + x.slice(8, 12) + '-' + x.slice(12, 16) + '-' + x.slice(16, 20) + '-' + x.slice(20);
  }

  /** An http(s) URL (relative ones resolved against the contact center), or null. */
  function safeUrl(url, base) {
    if (typeof url !== 'string' || !url.trim()) return null;
    try {
      const u = new URL(url.trim(), (base || 'http://invalid') + '/');
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
      if (u.hostname === 'invalid' && !base) return null;
      return u.href;
    } catch (e) {
      return null;
    }
  }

  /** Splits text into plain and link parts; the UI turns each into a text node or an <a>. */
  function linkParts(text) {
    const out = [];
    const re = /\bhttps?:\/\/[^\s<>"']+/gi;
    const s = toText(text);
    let last = 0;
    let m;
    while ((m = re.exec(s))) {
      let url = m[0];
      const trail = /[.,;:!?)\]]+$/.exec(url);
      if (trail) url = url.slice(0, -trail[0].length);
      if (m.index > last) out.push({ text: s.slice(last, m.index) });
      out.push({ text: url, url: safeUrl(url) });
      last = m.index + url.length;
      re.lastIndex = last;
    }
    if (last < s.length) out.push({ text: s.slice(last) });
    return out;
  }

  /**
   * The only way the widget builds DOM. Strings always become text nodes; props that
   * could carry markup or script (innerHTML, on* handlers as attributes) are refused.
   */
  // What the visitor reads of a message: a reply translated into their language (the
  // server's ``translations``, one entry: theirs) or else the text as its author wrote it.
  function shownText(m) {
    const tr = m && m.sender_type !== 'contact' && m.translation_status === 'translated' ? m.translations : null;
    if (tr && typeof tr === 'object') {
      for (const key of Object.keys(tr)) if (typeof tr[key] === 'string' && tr[key]) return tr[key];
    }
    return m ? m.text : '';
  }

  // A bot button's title as the visitor reads it: translated with its message (the
  // button's ``translations``, one entry: theirs), else as the bot's author wrote it.
  function buttonTitle(m, b) {
    const tr = m && m.translation_status === 'translated' && b && b.translations;
    if (tr && typeof tr === 'object') {
      for (const key of Object.keys(tr)) if (typeof tr[key] === 'string' && tr[key]) return tr[key];
    }
    return b ? toText(b.title) : '';
  }

  // Whether a message shows a translation, which the visitor may swap for the original.
  function hasTranslation(m) {
    return !!m && m.sender_type !== 'contact' && shownText(m) !== m.text;
  }

  function h(doc, tag, props, kids) {
    const el = tag.slice(0, 4) === 'svg:' ? doc.createElementNS(SVGNS, tag.slice(4)) : doc.createElement(tag);
    for (const k of Object.keys(props || {})) {
      const v = props[k];
      if (v == null || v === false) continue;
      if (k === 'on') {
        for (const ev of Object.keys(v)) el.addEventListener(ev, v[ev]);
        continue;
      }
      if (/^(innerhtml|outerhtml|srcdoc)$/i.test(k) || /^on/i.test(k)) throw new Error('unsafe property ' + k);
      if (k === 'text') el.textContent = toText(v);
      else if ((k === 'href' || k === 'src') && !safeUrl(v)) continue;
      else el.setAttribute(k, v === true ? '' : toText(v));
    }
    for (const kid of [].concat(kids == null ? [] : kids)) {
      if (kid == null || kid === false) continue;
      el.appendChild(typeof kid === 'object' ? kid : doc.createTextNode(toText(kid)));
    }
    return el;
  }

  function contrastColor(hex) {
    const m = /^#([0-9a-f]{6})$/i.exec(hex || '');
    if (!m) return '#fff';
    const n = parseInt(m[1], 16);
    const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    const l = 0.2126 * lin(n >> 16) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255);
    return l > 0.179 ? '#111' : '#fff';
  }

  function scriptBase(src, pageHref) {
    const u = new URL(src, pageHref);
    const i = u.pathname.indexOf('/static/');
    return u.origin + (i > 0 ? u.pathname.slice(0, i) : '');
  }

  function normalizeConfig(c) {
    c = c && typeof c === 'object' ? c : {};
    const pre = c.prechat && typeof c.prechat === 'object' ? c.prechat : {};
    const att = c.attachments && typeof c.attachments === 'object' ? c.attachments : {};
    return {
      name: toText(c.name) || 'Chat',
      color: /^#[0-9a-f]{6}$/i.test(c.color || '') ? c.color : '#2563eb',
      greeting: toText(c.greeting),
      language: toText(c.language) || 'auto',
      position: c.position === 'left' ? 'left' : 'right',
      prechat: {
        enabled: !!pre.enabled,
        fields: (Array.isArray(pre.fields) ? pre.fields : [])
          .filter((f) => f && ['name', 'email', 'phone'].indexOf(f.name) >= 0)
          .map((f) => ({ name: f.name, required: !!f.required })),
      },
      topics: Array.isArray(c.topics) ? c.topics : [],
      invitations: Array.isArray(c.invitations) ? c.invitations : [],
      attachments: {
        max_bytes: Number(att.max_bytes) > 0 ? Number(att.max_bytes) : 0,
        types: Array.isArray(att.types) ? att.types.map(String) : [],
      },
      offline: !!c.offline,
      offline_message: toText(c.offline_message || '').slice(0, 500),
      // null: the server did not say (older server), so the widget keeps to "Online"
      available: typeof c.available === 'boolean' ? c.available : null,
    };
  }

  /** The header's status line, from the same facts routing assigns by: an operator with
   * the visitor, the group closed, nobody available (with the group's offline message
   * and what happens next), waiting in line, or online. */
  function statusText(lang, st) {
    const cfg = st.config || {};
    const away = () => cfg.offline_message || t(lang, cfg.offline ? 'offline' : 'noOperators');
    if (st.status === 'unavailable') return t(lang, 'unavailable');
    if (st.session === 'active' && st.operator && st.operator.name && st.status === 'online') {
      return toText(st.operator.name) + ' · ' + t(lang, 'online');
    }
    if (cfg.offline) return away();
    if (st.status === 'disconnected') return t(lang, 'connecting');
    if (cfg.available === false) return away();
    if (st.session === 'queued') return t(lang, 'soon');
    return t(lang, 'online');
  }

  /** Returns null when the file may be sent, else 'too_big' or 'bad_type'. */
  function checkFile(file, att) {
    if (!file) return 'bad_type';
    if (att.max_bytes && file.size > att.max_bytes) return 'too_big';
    if (att.types.length) {
      const type = String(file.type || '').toLowerCase();
      const ok = att.types.some((p) => {
        p = p.toLowerCase();
        return p === type || (p.slice(-2) === '/*' && type.indexOf(p.slice(0, -1)) === 0);
      });
      if (!ok) return 'bad_type';
    }
    return null;
  }

  const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  const PHONE_RE = /^\+?[0-9\s().-]{5,25}$/;

  /** Pre-chat validation: returns {field: messageKey} for the fields in error. */
  function validatePrechat(fields, values) {
    const errors = {};
    for (const f of fields) {
      const v = toText(values[f.name]).trim();
      if (!v) { if (f.required) errors[f.name] = 'required'; continue; }
      if (f.name === 'email' && !EMAIL_RE.test(v)) errors[f.name] = 'badEmail';
      if (f.name === 'phone' && (!PHONE_RE.test(v) || v.replace(/\D/g, '').length < 5)) errors[f.name] = 'badPhone';
    }
    return errors;
  }

  /** Proactive invitation for this page view, or null. At most one per browser session. */
  function pickInvitation(list, ctx) {
    if (!Array.isArray(list) || ctx.chatted || (ctx.shown && ctx.shown.length)) return null;
    for (const inv of list) {
      if (!inv || inv.id == null || !inv.message) continue;
      if (inv.first_visit_only && ctx.visits > 1) continue;
      if (inv.url_pattern) {
        let re;
        try { re = new RegExp(inv.url_pattern); } catch (e) { continue; }
        if (!re.test(toText(ctx.href))) continue;
      }
      return inv;
    }
    return null;
  }

  /** Exponential backoff with jitter: 0.5 s doubling up to 30 s, each delay in [d/2, d]. */
  function backoffDelay(attempt, opts) {
    const o = opts || {};
    const base = o.base || 500;
    const max = o.max || 30000;
    const d = Math.min(max, base * Math.pow(2, Math.max(0, Math.min(attempt, 30))));
    return Math.round(d / 2 + (o.random || Math.random)() * (d / 2));
  }

  class Backoff {
    constructor(opts) { this.opts = opts || {}; this.attempt = 0; }
    next() { return backoffDelay(this.attempt++, this.opts); }
    reset() { this.attempt = 0; }
  }

  /** The dialog's messages: one per id, ordered by id; repeated deliveries merge. */
  class MessageStore {
    constructor(list) {
      this.list = [];
      this.byId = new Map();
      for (const m of list || []) this.add(m);
    }
    get size() { return this.list.length; }
    get lastId() { return this.list.length ? this.list[this.list.length - 1].id : 0; }
    get(id) { return this.byId.get(Number(id)); }
    all() { return this.list.slice(); }
    /** 'new', 'update' or null (nothing changed or not a message). */
    add(msg) {
      if (!msg || typeof msg !== 'object') return null;
      const id = Number(msg.id);
      if (!isFinite(id) || id <= 0) return null;
      const old = this.byId.get(id);
      if (old) {
        const before = JSON.stringify(old);
        Object.assign(old, msg, { id });
        return JSON.stringify(old) === before ? null : 'update';
      }
      const m = Object.assign({}, msg, { id });
      let i = this.list.length;
      while (i > 0 && this.list[i - 1].id > id) i--;
      this.list.splice(i, 0, m);
      this.byId.set(id, m);
      return 'new';
    }
    clear() { this.list = []; this.byId.clear(); }
    toJSON(limit) { return this.list.slice(-(limit || HISTORY_LIMIT)); }
  }

  /** Visitor messages not yet acked; they are resent with the same client_id after reconnects. */
  class PendingQueue {
    constructor(items) {
      this.items = (Array.isArray(items) ? items : []).filter((p) => p && p.client_id && typeof p.text === 'string');
    }
    add(text, clientId, now) {
      const p = { client_id: clientId, text, ts: now };
      this.items.push(p);
      return p;
    }
    has(cid) { return this.items.some((p) => p.client_id === cid); }
    remove(cid) {
      const i = this.items.findIndex((p) => p.client_id === cid);
      return i < 0 ? null : this.items.splice(i, 1)[0];
    }
    list() { return this.items.slice(); }
    toJSON() { return this.items.slice(); }
  }

  function kv(storage, prefix) {
    return {
      get(k, d) {
        try {
          const v = storage && storage.getItem(prefix + k);
          return v == null ? d : JSON.parse(v);
        } catch (e) { return d; }
      },
      set(k, v) { try { if (storage) storage.setItem(prefix + k, JSON.stringify(v)); } catch (e) { /* full or blocked */ } },
      del(k) { try { if (storage) storage.removeItem(prefix + k); } catch (e) { /* blocked */ } },
    };
  }

  function memoryStorage() {
    const m = new Map();
    return {
      getItem: (k) => (m.has(k) ? m.get(k) : null),
      setItem: (k, v) => { m.set(k, String(v)); },
      removeItem: (k) => { m.delete(k); },
    };
  }

  /* ------------------------------------------------------ protocol client */

  /**
   * Talks to the contact center: config, visitor, socket, sync, acks, resends.
   * Everything it needs from the browser is passed in, so tests drive it with fakes.
   * Emits: status, welcome, message, pending, failed, topics, queue, assigned, typing,
   * closed, error, reset, unavailable.
   */
  class ChatClient {
    constructor(o) {
      this.o = o;
      this.key = o.key;
      this.base = String(o.base).replace(/\/+$/, '');
      this.now = o.now || (() => Date.now());
      this.setT = o.setTimeout || ((f, ms) => setTimeout(f, ms));
      this.clearT = o.clearTimeout || ((id) => clearTimeout(id));
      const prefix = 'cc_widget_' + this.key;
      this.ls = kv(o.storage || memoryStorage(), prefix);
      this.ss = kv(o.session || memoryStorage(), prefix);
      this.state = Object.assign({ token: null, visits: 0, chatted: false, unread: 0, identity: {} }, this.ls.get('', {}));
      const hist = this.ls.get('_h', {}) || {};
      this.dialog = hist.dialog == null ? null : hist.dialog;
      this.after = Number(hist.after) || 0;
      this.store = new MessageStore(hist.messages);
      this.pending = new PendingQueue(this.ls.get('_p', []));
      this.backoff = new Backoff({ random: o.random });
      this.config = normalizeConfig(null);
      this.handlers = {};
      this.ws = null;
      this.connected = false;
      this.stopped = false;
      this.status = 'idle';
      this.timer = null;
      this.authRetried = false;
      this.creating = null;
      this.lastTyping = -Infinity;
      this.lastSent = null;
      this.outbox = [];
      this.session = null;
      this.operator = null;
    }

    on(ev, fn) { (this.handlers[ev] = this.handlers[ev] || []).push(fn); return this; }

    emit(ev, a, b) {
      for (const fn of (this.handlers[ev] || []).slice()) {
        try { fn(a, b); } catch (e) { if (typeof console !== 'undefined') console.error(e); }
      }
    }

    url(p) { return this.base + '/widget/api/' + encodeURIComponent(this.key) + '/' + p + '/'; }

    wsUrl() {
      return this.base.replace(/^http/i, 'ws') + '/ws/widget/' + encodeURIComponent(this.key) +
        '/?token=' + encodeURIComponent(this.state.token);
    }

    save() { this.ls.set('', this.state); }
    saveHistory() { this.ls.set('_h', { dialog: this.dialog, after: this.after, messages: this.store.toJSON() }); }
    savePending() { this.ls.set('_p', this.pending.toJSON()); }

    setStatus(s) {
      if (this.status === s) return;
      this.status = s;
      this.emit('status', s);
    }

    /** Counts browser sessions; returns the visit number (1 on the first visit). */
    countVisit() {
      const s = this.ss.get('_s', {}) || {};
      if (!s.counted) {
        this.state.visits = (Number(this.state.visits) || 0) + 1;
        this.save();
        s.counted = true;
        this.ss.set('_s', s);
      }
      return this.state.visits;
    }

    shownInvitations() { return (this.ss.get('_s', {}) || {}).shown || []; }

    markInvitationShown(id) {
      const s = this.ss.get('_s', {}) || {};
      s.shown = (s.shown || []).concat([id]);
      this.ss.set('_s', s);
    }

    identify(fields) {
      const id = Object.assign({}, this.state.identity);
      for (const k of ['name', 'email', 'phone']) if (fields && fields[k]) id[k] = toText(fields[k]).trim();
      this.state.identity = id;
      this.save();
    }

    async loadConfig() {
      const r = await this.o.fetch(this.url('config'), { credentials: 'omit' });
      if (!r.ok) {
        const e = new Error('config: HTTP ' + r.status);
        e.status = r.status;
        throw e;
      }
      this.config = normalizeConfig(await r.json());
      this.emit('config', this.config);
      return this.config;
    }

    /** Asks the server again who can answer now (after a chat ends, when the panel
     * opens, and every minute while it is open and no operator is with the visitor). */
    async refreshAvailability() {
      if (!this.config) return;
      try {
        const r = await this.o.fetch(this.url('config'), { credentials: 'omit' });
        if (!r.ok) return;
        this.setAvailability(await r.json());
      } catch (e) { /* offline: the next refresh catches up */ }
    }

    setAvailability(d) {
      if (!this.config || !d || typeof d !== 'object') return;
      const fresh = normalizeConfig(Object.assign({}, this.config, {
        offline: d.offline, offline_message: d.offline_message, available: d.available,
      }));
      this.config.offline = fresh.offline;
      this.config.offline_message = fresh.offline_message;
      this.config.available = fresh.available;
      this.emit('availability', this.config);
    }

    async createVisitor(fields) {
      const body = {};
      for (const k of ['name', 'email', 'phone']) if (fields && fields[k]) body[k] = toText(fields[k]).trim();
      const href = this.o.href ? toText(this.o.href()) : '';
      if (href && href.length <= 1000) body.page_url = href;
      const lang = typeof navigator !== 'undefined' && navigator.language;
      if (lang) body.language = toText(lang).slice(0, 16);
      Object.assign(body, this.contextFields());
      const r = await this.o.fetch(this.url('visitors'), {
        method: 'POST', credentials: 'omit',
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
      let data = null;
      try { data = await r.json(); } catch (e) { /* empty body */ }
      if (!r.ok || !data || !data.visitor_token) {
        const e = new Error('visitor: HTTP ' + r.status);
        e.status = r.status;
        e.errors = data;
        throw e;
      }
      this.state.token = data.visitor_token;
      if (Object.keys(body).length) this.identify(body);
      this.save();
      return data.visitor_token;
    }

    /** Creates the visitor if there is none yet, then connects. */
    ensureVisitor(fields) {
      if (this.stopped) return Promise.reject(new Error('unavailable'));
      if (this.state.token) { this.connect(); return Promise.resolve(this.state.token); }
      if (!this.creating) {
        this.creating = this.createVisitor(fields || this.state.identity).then(
          (tok) => { this.creating = null; this.connect(); return tok; },
          (e) => { this.creating = null; throw e; });
      }
      return this.creating;
    }

    /** Start: reconnect a returning visitor right away; a new one waits for interaction
     * (unless it has messages waiting from a visit whose visitor record never got made). */
    start() {
      if (this.state.token) this.connect();
      else if (this.pending.list().length) this.ensureVisitor(this.state.identity).catch((e) => this.onVisitorError(e));
    }

    connect() {
      if (this.stopped || !this.state.token || this.ws) return;
      this.clearTimer();
      let ws;
      try {
        ws = new this.o.WebSocket(this.wsUrl());
      } catch (e) {
        this.scheduleReconnect();
        return;
      }
      this.ws = ws;
      this.setStatus('connecting');
      const guard = this.setT(() => {
        if (this.ws === ws && !this.connected) {
          try { ws.close(); } catch (e) { /* already closed */ }
          this.onClose(ws, { code: 4000 });
        }
      }, CONNECT_TIMEOUT_MS);
      ws.onmessage = (ev) => {
        if (this.ws !== ws) return;
        let d;
        try { d = JSON.parse(ev.data); } catch (e) { return; }
        if (d && typeof d === 'object') this.handle(d);
      };
      ws.onclose = (ev) => { this.clearT(guard); this.onClose(ws, ev); };
      ws.onerror = () => { /* onclose follows */ };
    }

    onClose(ws, ev) {
      if (this.ws !== ws) return;
      this.ws = null;
      this.connected = false;
      const code = ev && ev.code;
      if (code === 4404) { this.stop(); return; }
      if (code === 4401) {
        // The token is no longer valid: start over as a new visitor, once.
        if (this.authRetried) { this.stop(); return; }
        this.authRetried = true;
        this.dropVisitor();
        this.setStatus('connecting');
        this.ensureVisitor(this.state.identity).catch((e) => this.onVisitorError(e));
        return;
      }
      this.setStatus('disconnected');
      this.scheduleReconnect();
    }

    onVisitorError(e) {
      if (e && e.status && e.status >= 400 && e.status < 500 && e.status !== 429 && e.status !== 408) this.stop();
      else this.scheduleReconnect();
    }

    dropVisitor() {
      this.state.token = null;
      this.save();
      this.resetHistory();
    }

    resetHistory() {
      this.store.clear();
      this.after = 0;
      this.dialog = null;
      this.saveHistory();
      this.emit('reset');
    }

    stop() {
      this.stopped = true;
      this.clearTimer();
      const ws = this.ws;
      this.ws = null;
      this.connected = false;
      if (ws) try { ws.close(); } catch (e) { /* ignore */ }
      this.setStatus('unavailable');
      this.emit('unavailable');
    }

    clearTimer() {
      if (this.timer != null) this.clearT(this.timer);
      this.timer = null;
    }

    scheduleReconnect() {
      if (this.stopped || this.timer != null) return;
      this.timer = this.setT(() => { this.timer = null; this.reconnect(); }, this.backoff.next());
    }

    reconnect() {
      if (this.stopped || this.ws) return;
      if (this.state.token) this.connect();
      else this.ensureVisitor(this.state.identity).catch((e) => this.onVisitorError(e));
    }

    /** The network came back or the tab became visible: do not wait for the timer. */
    wake() {
      if (this.stopped) return;
      if (this.connected) this.send({ type: 'sync', after: this.after });
      else if (!this.ws && this.state.token) { this.clearTimer(); this.connect(); }
    }

    send(obj) {
      const ws = this.ws;
      if (!ws || !this.connected || ws.readyState !== 1) return false;
      try { ws.send(JSON.stringify(obj)); } catch (e) { return false; }
      this.lastSent = obj.type === 'message' ? obj.client_id : null;
      return true;
    }

    handle(d) {
      switch (d.type) {
        case 'welcome': return this.onWelcome(d);
        case 'message': return this.onMessage(d.message);
        case 'ack': return this.onAck(d.client_id, d.id);
        case 'topics': return this.emit('topics', Array.isArray(d.topics) ? d.topics : []);
        case 'queue':
          this.session = 'queued';
          return this.emit('queue', { position: d.position, wait: d.estimated_wait_s });
        case 'assigned':
          this.operator = d.operator && typeof d.operator === 'object' ? d.operator : null;
          this.session = 'active';
          return this.emit('assigned', this.operator);
        case 'typing': return this.emit('typing', d);
        case 'availability': return this.setAvailability(d);
        case 'session.closed':
          if (d.reason !== 'transferred' && d.reason !== 'merged') { this.session = 'closed'; this.operator = null; }
          return this.emit('closed', d.reason);
        case 'error': return this.onError(d);
        // pushes may have been lost (the server's layer was down): fetch what came since
        case 'resync': return this.send({ type: 'sync', after: this.after });
        default: return undefined;
      }
    }

    onWelcome(d) {
      this.connected = true;
      this.backoff.reset();
      this.authRetried = false;
      const dlg = d.dialog == null ? null : d.dialog;
      // The server no longer knows our history (new dialog, database restored): start clean.
      if ((dlg === null && this.store.size) || (dlg !== null && this.dialog !== null && String(dlg) !== String(this.dialog))) {
        this.resetHistory();
      }
      if (dlg !== null) this.dialog = dlg;
      this.session = d.session && d.session.status ? d.session.status : null;
      this.operator = d.operator && typeof d.operator === 'object' ? d.operator : null;
      this.setStatus('online');
      this.emit('welcome', d);
      this.send({ type: 'sync', after: this.after });
      this.told = null;
      this.tellContext();
      for (const p of this.pending.list()) this.send({ type: 'message', text: p.text, client_id: p.client_id });
      const out = this.outbox;
      this.outbox = [];
      for (const f of out) this.send(f);
    }

    onMessage(m) {
      if (!m || typeof m !== 'object' || !(Number(m.id) > 0)) return;
      if (m.dialog != null && this.dialog === null) this.dialog = m.dialog;
      if (Number(m.id) > this.after) this.after = Number(m.id);
      if (m.client_id && this.pending.remove(m.client_id)) this.savePending();
      const r = this.store.add(m);
      this.saveHistory();
      if (r) this.emit('message', this.store.get(m.id), { isNew: r === 'new', incoming: m.sender_type !== 'contact' });
    }

    onAck(cid, id) {
      const p = cid ? this.pending.remove(cid) : null;
      if (p) this.savePending();
      if (!(Number(id) > 0)) return;
      this.markChatted();
      if (this.store.get(id)) return;
      // A placeholder until the full message comes back with the next sync.
      const m = {
        id: Number(id), dialog: this.dialog, sender_type: 'contact', sender_name: '',
        text: p ? p.text : '', attachments: [], client_id: cid,
        created_at: new Date(p ? p.ts : this.now()).toISOString(),
      };
      this.store.add(m);
      this.saveHistory();
      this.emit('message', this.store.get(id), { isNew: true, incoming: false });
    }

    onError(d) {
      if (d.code === 'bad_context') return; // nothing the visitor could do about it
      const cid = d.client_id || this.lastSent;
      // The server could not store it for a moment (its database restarting): it stays
      // pending and goes again shortly, with the same client_id (stored once).
      if (d.code === 'unavailable' && cid && this.pending.has(cid)) {
        const p = this.pending.list().find((x) => x.client_id === cid);
        this.setT(() => { if (this.pending.has(cid)) this.send({ type: 'message', text: p.text, client_id: cid }); }, RESEND_UNAVAILABLE_MS);
        return;
      }
      if (cid && this.pending.remove(cid)) {
        this.savePending();
        this.emit('failed', { client_id: cid, code: d.code, detail: toText(d.detail || d.code) });
      } else {
        this.emit('error', d);
      }
    }

    /** The page's context for the visitor record (without the fields createVisitor
     * already sends itself); {} when the page gives none (tests, old browsers). */
    contextFields() {
      const ctx = this.o.context ? this.o.context() : null;
      if (!ctx) return {};
      const out = {};
      for (const k of ['page_title', 'referrer', 'time_zone', 'utc_offset_min']) {
        if (ctx[k] !== '' && ctx[k] !== null && ctx[k] !== undefined) out[k] = ctx[k];
      }
      return out;
    }

    /** Tells the server the page the visitor is on, when it changed since last told
     * (a single-page site changes its address without reloading). */
    tellContext() {
      const ctx = this.o.context ? this.o.context() : null;
      if (!ctx || !this.connected || !contextChanged(this.told, ctx)) return false;
      if (!this.send(Object.assign({ type: 'context' }, ctx))) return false;
      this.told = ctx;
      return true;
    }

    markChatted() {
      if (!this.state.chatted) { this.state.chatted = true; this.save(); }
    }

    /** Queues a text message; returns {item} or {error: 'empty'|'too_long'}. */
    sendText(text, clientId) {
      const s = toText(text).trim();
      if (!s) return { error: 'empty' };
      if (textLength(s) > MAX_TEXT) return { error: 'too_long' };
      const item = this.pending.add(s, clientId || uuid(this.o.random), this.now());
      this.savePending();
      this.markChatted();
      this.emit('pending', item);
      if (!this.send({ type: 'message', text: item.text, client_id: item.client_id })) {
        this.ensureVisitor(this.state.identity).catch((e) => this.onVisitorError(e));
      }
      return { item };
    }

    typing() {
      const now = this.now();
      if (now - this.lastTyping < TYPING_EVERY_MS) return false;
      if (!this.send({ type: 'typing' })) return false;
      this.lastTyping = now;
      return true;
    }

    /** Sends now, or after the next welcome if the socket is down. */
    command(frame) {
      if (!this.send(frame)) {
        this.outbox.push(frame);
        this.ensureVisitor(this.state.identity).catch((e) => this.onVisitorError(e));
      }
    }

    topic(id) { this.markChatted(); this.command({ type: 'topic', topic: id }); }
    button(node, id) { this.markChatted(); this.command({ type: 'button', node, button: id }); }

    rate(score, comment) {
      const f = { type: 'rating', score: Math.max(1, Math.min(5, Math.round(score))) };
      if (comment && toText(comment).trim()) f.comment = toText(comment).trim().slice(0, 2000);
      this.command(f);
    }

    /** Uploads a file; resolves {id} or {error: 'too_big'|'bad_type'|'failed', detail}. */
    async upload(file, clientId) {
      const bad = checkFile(file, this.config.attachments);
      if (bad) return { error: bad };
      try {
        await this.ensureVisitor(this.state.identity);
      } catch (e) {
        return { error: 'failed' };
      }
      const fd = new this.o.FormData();
      fd.append('file', file, file.name);
      fd.append('client_id', clientId);
      let r;
      try {
        r = await this.o.fetch(this.url('attachments'), {
          method: 'POST', credentials: 'omit', body: fd,
          headers: { Authorization: 'Visitor ' + this.state.token },
        });
      } catch (e) {
        return { error: 'failed' };
      }
      let data = null;
      try { data = await r.json(); } catch (e) { /* no body */ }
      if (r.status === 413) return { error: 'too_big' };
      if (r.status === 400) return { error: 'bad_type', detail: data && (data.detail || data.file) };
      if (!r.ok || !data || !(Number(data.id) > 0)) return { error: 'failed' };
      this.markChatted();
      if (!this.store.get(data.id)) {
        this.store.add({
          id: Number(data.id), dialog: this.dialog, sender_type: 'contact', sender_name: '', text: '',
          attachments: [{ name: file.name, size: file.size, content_type: file.type, url: null }],
          client_id: clientId, created_at: new Date(this.now()).toISOString(),
        });
        this.saveHistory();
        this.emit('message', this.store.get(data.id), { isNew: true, incoming: false });
      }
      return { id: Number(data.id) };
    }
  }

  /* -------------------------------------------------------------- the UI */

  const CSS = `
:host{all:initial}
*{box-sizing:border-box;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
[hidden]{display:none!important}
.w{position:fixed;right:20px;bottom:20px;z-index:2147483000;font-size:14px;line-height:1.4;color:#1f2328}
.w.left{right:auto;left:20px}
button{font:inherit;cursor:pointer}
button:focus-visible,textarea:focus-visible,input:focus-visible,a:focus-visible{outline:2px solid var(--c);outline-offset:2px}
.ln{width:56px;height:56px;border-radius:50%;border:0;background:var(--c);color:var(--t);box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;position:relative;transition:transform .15s}
.ln:hover{transform:scale(1.06)}
.ln svg{width:28px;height:28px;fill:currentColor}
.bd{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#d93025;color:#fff;font-size:12px;font-weight:700;display:flex;align-items:center;justify-content:center}
.p{position:absolute;right:0;bottom:72px;width:370px;height:600px;max-height:calc(100vh - 110px);background:#fff;border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}
.left .p{right:auto;left:0}
.hd{background:var(--c);color:var(--t);padding:12px 10px 12px 16px;display:flex;align-items:center;gap:8px}
.hd div{flex:1;min-width:0}
.ti{font-weight:700;font-size:16px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.st{font-size:12px;opacity:.9}
.x{background:none;border:0;color:inherit;width:36px;height:36px;border-radius:8px;font-size:24px;line-height:1}
.x:hover{background:rgba(127,127,127,.2)}
.lg{flex:1;overflow-y:auto;padding:12px;background:#f6f7f9;display:flex;flex-direction:column;gap:8px}
.ls,.pd{display:flex;flex-direction:column;gap:8px}
.m{display:flex;flex-direction:column;max-width:82%;align-self:flex-start}
.m.me{align-self:flex-end;align-items:flex-end}
.nm{font-size:12px;color:#57606a;margin:0 4px 2px}
.bb{background:#fff;border:1px solid #e4e7eb;border-radius:14px 14px 14px 4px;padding:8px 12px;white-space:pre-wrap;overflow-wrap:anywhere}
.me .bb{background:var(--c);color:var(--t);border-color:transparent;border-radius:14px 14px 4px 14px}
.me .bb a{color:inherit}
.mt{font-size:11px;color:#6e7781;margin:2px 4px 0}
.fl .mt{color:#cf222e}
.fl .bb{opacity:.7}
.lk{background:none;border:0;color:#0969da;text-decoration:underline;padding:0;font-size:11px;margin-left:6px}
.nt{align-self:center;text-align:center;font-size:12px;color:#57606a;max-width:90%}
.bb img{display:block;max-width:220px;max-height:200px;border-radius:8px;margin:4px 0}
.fi{display:block;margin:2px 0}
.ch{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}
.ch button,.sb{border:1px solid var(--c);background:#fff;color:#1f2328;border-radius:16px;padding:6px 12px}
.ch button:hover:not(:disabled),.ch button.on{background:var(--c);color:var(--t)}
.ch button:disabled{opacity:.6;cursor:default}
.bx{align-self:stretch;background:#fff;border:1px solid #e4e7eb;border-radius:12px;padding:10px 12px}
.bx b{display:block;margin-bottom:6px;font-weight:600}
.stars{display:flex;gap:2px}
.stars button{background:none;border:0;font-size:26px;line-height:1;color:#c4c9d0;padding:0 2px}
.stars button.on{color:#f5a623}
.bx textarea,.pf input{width:100%;margin-top:8px;border:1px solid #d0d7de;border-radius:8px;padding:8px;font:inherit;resize:vertical}
.sb{margin-top:8px;background:var(--c);color:var(--t);border:0}
.ty{font-size:12px;color:#57606a;font-style:italic}
.q{padding:8px 14px;background:#fff8c5;border-top:1px solid #eedf9a;font-size:13px}
.er{color:#cf222e;font-size:12px;padding:0 14px 6px}
.cp{display:flex;align-items:flex-end;gap:6px;padding:10px;border-top:1px solid #e4e7eb;background:#fff}
.cp textarea{flex:1;border:1px solid #d0d7de;border-radius:10px;padding:8px 10px;font:inherit;resize:none;max-height:120px;min-height:38px}
.ib{width:38px;height:38px;border:0;border-radius:10px;background:none;color:#57606a;display:flex;align-items:center;justify-content:center;flex:none}
.ib svg{width:22px;height:22px;fill:currentColor}
.ib.sd{background:var(--c);color:var(--t)}
.pf{padding:14px;overflow-y:auto}
.pf label{display:block;margin-top:10px;font-size:13px;font-weight:600}
.pf .er{padding:2px 0 0}
@media (max-width:480px){.p{position:fixed;inset:0;width:auto;height:auto;max-height:none;border-radius:0}.w.open .ln{display:none}textarea,input{font-size:16px!important}}
@media (prefers-reduced-motion:reduce){*{transition:none!important}}
`;

  const ICONS = {
    chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z',
    clip: 'M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z',
    send: 'M3 20.5 21 12 3 3.5 3 10l12 2-12 2z',
  };

  class WidgetUI {
    constructor(win, client, opts) {
      this.win = win;
      this.doc = win.document;
      this.c = client;
      this.opts = opts || {};
      this.lang = 'en';
      this.isOpen = false;
      this.msgEls = new Map();
      this.pendEls = new Map();
      this.buttonMsgs = new Set();
      this.typingTimer = null;
      this.audio = null;
      this.lastBeep = 0;
    }

    el(tag, props, kids) { return h(this.doc, tag, props, kids); }
    T(key, vars) { return t(this.lang, key, vars); }

    icon(name) {
      return this.el('svg:svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false' },
        [this.el('svg:path', { d: ICONS[name] })]);
    }

    mount(cfg) {
      const doc = this.doc;
      const nav = this.win.navigator || {};
      this.lang = pickLang(this.opts.lang, cfg.language, nav.languages || [nav.language]);
      this.host = doc.createElement('cc-chat-widget');
      const root = this.host.attachShadow({ mode: 'closed' });
      // A constructed sheet is not blocked by a host page's CSP; <style> is the fallback.
      try {
        const sheet = new this.win.CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      } catch (e) {
        root.appendChild(this.el('style', { text: CSS }));
      }

      this.badge = this.el('span', { class: 'bd', hidden: true, 'aria-hidden': 'true' });
      this.launcher = this.el('button', {
        class: 'ln', type: 'button', 'aria-label': this.T('open'), 'aria-expanded': 'false',
        on: { click: () => this.toggle(true) },
      }, [this.icon('chat'), this.badge]);

      this.title = this.el('div', { class: 'ti', text: cfg.name });
      this.statusEl = this.el('div', { class: 'st', 'aria-live': 'polite' });
      const header = this.el('div', { class: 'hd' }, [
        this.el('div', null, [this.title, this.statusEl]),
        this.el('button', { class: 'x', type: 'button', 'aria-label': this.T('close'), text: '×', on: { click: () => this.close(true) } }),
      ]);

      this.list = this.el('div', { class: 'ls' });
      this.pend = this.el('div', { class: 'pd' });
      this.typingEl = this.el('div', { class: 'ty', hidden: true, 'aria-live': 'polite' });
      this.log = this.el('div', { class: 'lg', role: 'log', 'aria-live': 'polite', tabindex: '0' }, [this.list, this.pend, this.typingEl]);
      this.queueEl = this.el('div', { class: 'q', hidden: true, role: 'status' });
      this.errEl = this.el('div', { class: 'er', hidden: true, role: 'alert' });
      this.prechatEl = this.el('form', { class: 'pf', hidden: true, novalidate: true });
      this.composer = this.buildComposer(cfg);

      this.panel = this.el('div', { class: 'p', role: 'dialog', 'aria-label': cfg.name, hidden: true,
        on: { keydown: (e) => { if (e.key === 'Escape') { e.stopPropagation(); this.close(true); } } } },
      [header, this.log, this.prechatEl, this.queueEl, this.errEl, this.composer]);

      this.wrap = this.el('div', { class: 'w' + ((this.opts.position || cfg.position) === 'left' ? ' left' : '') }, [this.panel, this.launcher]);
      this.wrap.style.setProperty('--c', cfg.color);
      this.wrap.style.setProperty('--t', contrastColor(cfg.color));
      root.appendChild(this.wrap);
      (doc.body || doc.documentElement).appendChild(this.host);

      if (cfg.greeting) this.place(this.el('div', { class: 'm' }, [this.el('div', { class: 'bb', text: cfg.greeting })]), -1);
      for (const m of this.c.store.all()) this.renderMessage(m);
      for (const p of this.c.pending.list()) this.renderPending(p);
      this.setUnread(this.c.state.unread || 0);
      this.bindClient();
      this.updateStatus();
      this.unlockAudio();
      this.scheduleInvitation(cfg);
      if (this.opts.open) this.open(false);
    }

    buildComposer(cfg) {
      const att = cfg.attachments;
      this.input = this.el('textarea', {
        rows: '1', placeholder: this.T('placeholder'), 'aria-label': this.T('placeholder'),
        on: {
          keydown: (e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.submit(); }
          },
          input: () => { this.autosize(); this.hideError(); this.c.typing(); },
          focus: () => this.engage(),
        },
      });
      this.file = this.el('input', {
        type: 'file', hidden: true, tabindex: '-1', accept: att.types.join(',') || null,
        on: { change: () => { const f = this.file.files && this.file.files[0]; this.file.value = ''; if (f) this.sendFile(f); } },
      });
      return this.el('form', { class: 'cp', on: { submit: (e) => { e.preventDefault(); this.submit(); } } }, [
        att.max_bytes ? this.el('button', { class: 'ib', type: 'button', 'aria-label': this.T('attach'), title: this.T('attach'),
          on: { click: () => this.file.click() } }, [this.icon('clip')]) : null,
        this.file,
        this.input,
        this.el('button', { class: 'ib sd', type: 'submit', 'aria-label': this.T('send'), title: this.T('send') }, [this.icon('send')]),
      ]);
    }

    bindClient() {
      const c = this.c;
      c.on('status', () => this.updateStatus());
      c.on('welcome', () => { this.updateStatus(); if (c.session !== 'queued') this.setQueue(null); });
      c.on('message', (m, info) => this.onMessage(m, info));
      c.on('pending', (p) => { this.renderPending(p); this.scroll(true); });
      c.on('failed', (f) => this.markFailed(f.client_id, f.code === 'too_long' ? this.T('tooLong') : f.detail));
      c.on('topics', (list) => this.showTopics(list));
      c.on('queue', (q) => { this.hideTopics(); this.setQueue(formatQueue(this.lang, q.position, q.wait)); this.updateStatus(); });
      c.on('assigned', (op) => {
        this.hideTopics();
        this.setQueue(null);
        if (op && op.name) this.notice(this.T('joined', { name: op.name }));
        this.updateStatus();
      });
      c.on('typing', (d) => { if (!d.sender_type || d.sender_type === 'operator') this.showTyping(); });
      c.on('closed', (reason) => {
        if (reason === 'transferred' || reason === 'merged') return;
        this.setQueue(null);
        this.hideTyping();
        this.notice(this.T('ended'));
        this.showRating();
        this.updateStatus();
        c.refreshAvailability(); // the operator who just left may have been the last one
      });
      c.on('availability', () => this.updateStatus());
      c.on('error', (d) => { if (d && d.detail) this.notice(toText(d.detail)); });
      c.on('reset', () => {
        for (const el of this.msgEls.values()) el.remove();
        this.msgEls.clear();
        this.buttonMsgs.clear();
      });
      c.on('unavailable', () => {
        this.composer.hidden = true;
        this.prechatEl.hidden = true;
        this.setQueue(null);
        this.updateStatus();
      });
    }

    updateStatus() {
      const c = this.c;
      this.statusEl.textContent = statusText(this.lang, {
        status: c.status, session: c.session, operator: c.operator, config: c.config,
      });
    }

    /* ---- opening, closing, focus */

    toggle(user) { if (this.isOpen) this.close(user); else this.open(user); }

    open(user) {
      if (!this.isOpen) {
        this.isOpen = true;
        this.panel.hidden = false;
        this.wrap.classList.add('open');
        this.launcher.setAttribute('aria-expanded', 'true');
        this.launcher.setAttribute('aria-label', this.T('close'));
        this.setUnread(0);
        this.c.emit('open');
        this.c.refreshAvailability();
        if (!this.availabilityTimer && this.win && this.win.setInterval) {
          this.availabilityTimer = this.win.setInterval(() => {
            if (this.isOpen && this.c.session !== 'active') this.c.refreshAvailability();
          }, AVAILABILITY_EVERY_MS);
        }
      }
      this.showPrechatIfNeeded();
      this.scroll(true);
      if (user) {
        this.engage();
        const target = this.prechatEl.hidden ? (this.composer.hidden ? null : this.input) : this.prechatEl.querySelector('input');
        if (target) target.focus();
      }
    }

    close(user) {
      if (!this.isOpen) return;
      this.isOpen = false;
      this.panel.hidden = true;
      this.wrap.classList.remove('open');
      this.launcher.setAttribute('aria-expanded', 'false');
      this.launcher.setAttribute('aria-label', this.T('open'));
      if (user) this.launcher.focus();
      this.c.emit('close');
    }

    /** A user gesture inside the widget: this is when a new visitor is created. */
    engage() {
      if (this.needsPrechat() || this.c.stopped) return;
      this.c.ensureVisitor(this.c.state.identity).catch((e) => this.c.onVisitorError(e));
    }

    needsPrechat() {
      const pre = this.c.config.prechat;
      if (this.c.state.token || !pre.enabled || !pre.fields.length) return false;
      const errs = validatePrechat(pre.fields, this.c.state.identity || {});
      // identify() may already have supplied everything the form would ask for.
      return Object.keys(errs).length > 0 || !pre.fields.some((f) => this.c.state.identity[f.name]);
    }

    showPrechatIfNeeded() {
      const need = this.needsPrechat() && !this.c.stopped;
      this.composer.hidden = need || this.c.stopped;
      this.prechatEl.hidden = !need;
      if (need && !this.prechatEl.firstChild) this.buildPrechat();
    }

    buildPrechat() {
      const form = this.prechatEl;
      const fields = this.c.config.prechat.fields;
      const inputs = {};
      const errs = {};
      form.appendChild(this.el('p', { text: this.T('prechat') }));
      for (const f of fields) {
        const id = 'cc-pf-' + f.name;
        inputs[f.name] = this.el('input', {
          id, name: f.name, type: f.name === 'email' ? 'email' : f.name === 'phone' ? 'tel' : 'text',
          autocomplete: f.name === 'phone' ? 'tel' : f.name, required: f.required, 'aria-required': f.required ? 'true' : null,
          value: this.c.state.identity[f.name] || null, 'aria-describedby': id + '-e',
        });
        errs[f.name] = this.el('div', { class: 'er', id: id + '-e', hidden: true });
        form.appendChild(this.el('label', { for: id, text: this.T(f.name) + (f.required ? ' *' : '') }));
        form.appendChild(inputs[f.name]);
        form.appendChild(errs[f.name]);
      }
      const general = this.el('div', { class: 'er', hidden: true, role: 'alert' });
      const btn = this.el('button', { class: 'sb', type: 'submit', text: this.T('start') });
      form.appendChild(general);
      form.appendChild(btn);
      const show = (map) => {
        let first = null;
        for (const f of fields) {
          const e = map[f.name];
          errs[f.name].hidden = !e;
          errs[f.name].textContent = e || '';
          inputs[f.name].setAttribute('aria-invalid', e ? 'true' : 'false');
          if (e && !first) first = inputs[f.name];
        }
        if (first) first.focus();
      };
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        general.hidden = true;
        const values = {};
        for (const f of fields) values[f.name] = inputs[f.name].value.trim();
        const local = validatePrechat(fields, values);
        const msgs = {};
        for (const k of Object.keys(local)) msgs[k] = this.T(local[k]);
        show(msgs);
        if (Object.keys(local).length) return;
        btn.disabled = true;
        try {
          this.c.identify(values);
          await this.c.ensureVisitor(values);
          this.showPrechatIfNeeded();
          this.input.focus();
        } catch (err) {
          const server = {};
          const data = err && err.errors && typeof err.errors === 'object' ? err.errors : {};
          for (const f of fields) if (data[f.name]) server[f.name] = [].concat(data[f.name]).join(' ');
          show(server);
          const other = data.detail || data.non_field_errors;
          if (other || !Object.keys(server).length) {
            general.textContent = other ? [].concat(other).join(' ') : this.T('tryAgain');
            general.hidden = false;
          }
        } finally {
          btn.disabled = false;
        }
      });
    }

    /* ---- rendering */

    place(el, key) {
      el._k = key;
      let n = this.list.lastChild;
      while (n && n._k > key) n = n.previousSibling;
      this.list.insertBefore(el, n ? n.nextSibling : this.list.firstChild);
    }

    nearBottom() {
      const l = this.log;
      return l.scrollHeight - l.scrollTop - l.clientHeight < 80;
    }

    scroll(force) {
      if (force || this.nearBottom()) this.log.scrollTop = this.log.scrollHeight;
    }

    textEl(text) {
      return linkParts(text).map((p) => (p.url
        ? this.el('a', { href: p.url, target: '_blank', rel: 'noopener noreferrer nofollow', text: p.text })
        : p.text));
    }

    attachmentEl(a) {
      const url = safeUrl(a && a.url, this.c.base);
      const name = toText(a && a.name) || 'file';
      const size = formatSize(this.lang, a && a.size);
      const label = name + (size ? ' (' + size + ')' : '');
      if (url && /^image\//i.test(toText(a.content_type))) {
        return this.el('a', { href: url, target: '_blank', rel: 'noopener noreferrer', title: label },
          [this.el('img', { src: url, alt: name, loading: 'lazy' })]);
      }
      if (url) return this.el('a', { class: 'fi', href: url, target: '_blank', rel: 'noopener noreferrer', download: name, text: label });
      return this.el('span', { class: 'fi', text: label });
    }

    time(iso) {
      const d = new Date(iso);
      if (isNaN(d.getTime())) return '';
      try {
        return d.toLocaleTimeString(this.lang, { hour: '2-digit', minute: '2-digit' });
      } catch (e) { return ''; }
    }

    messageEl(m) {
      const kind = m.sender_type === 'contact' ? 'me' : m.sender_type === 'system' ? 'sys' : 'them';
      const original = m._original && hasTranslation(m);
      const text = original ? m.text : shownText(m);
      const swap = hasTranslation(m) ? this.el('button', {
        type: 'button', class: 'lk', text: this.T(original ? 'showTranslation' : 'showOriginal'),
        on: { click: () => { m._original = !original; this.rerender(m); } },
      }) : null;
      if (kind === 'sys') return this.el('div', { class: 'nt' }, [text, swap]);
      const body = this.el('div', { class: 'bb' }, this.textEl(text));
      for (const a of Array.isArray(m.attachments) ? m.attachments : []) body.appendChild(this.attachmentEl(a));
      const el = this.el('div', { class: 'm ' + kind }, [
        kind === 'them' && m.sender_name ? this.el('div', { class: 'nm', text: m.sender_name }) : null,
        body,
        this.el('div', { class: 'mt' }, [this.time(m.created_at), swap]),
      ]);
      if (Array.isArray(m.buttons) && m.buttons.length) {
        const enabled = !m._answered && this.c.store.lastId === m.id;
        const row = this.el('div', { class: 'ch' });
        for (const b of m.buttons) {
          row.appendChild(this.el('button', {
            type: 'button', text: original ? toText(b.title) : buttonTitle(m, b), disabled: !enabled, class: m._answered === b.id ? 'on' : null,
            on: {
              click: () => {
                m._answered = b.id;
                this.c.button(m.node, b.id);
                this.c.saveHistory();
                this.rerender(m);
              },
            },
          }));
        }
        el.appendChild(row);
        if (enabled) this.buttonMsgs.add(m.id);
      }
      return el;
    }

    renderMessage(m) {
      const el = this.messageEl(m);
      const old = this.msgEls.get(m.id);
      if (old) old.replaceWith(el);
      else this.place(el, m.id);
      this.msgEls.set(m.id, el);
      if (m.client_id && this.pendEls.has(m.client_id)) {
        this.pendEls.get(m.client_id).remove();
        this.pendEls.delete(m.client_id);
      }
    }

    rerender(m) { if (this.msgEls.has(m.id)) this.renderMessage(m); }

    onMessage(m, info) {
      const stick = this.nearBottom();
      this.renderMessage(m);
      // Buttons belong to the latest message only: the conversation has moved on.
      for (const id of Array.from(this.buttonMsgs)) {
        if (id < this.c.store.lastId) { this.buttonMsgs.delete(id); this.rerender(this.c.store.get(id)); }
      }
      if (info.incoming && m.sender_type === 'operator') this.hideTyping();
      this.scroll(stick || !info.incoming);
      if (info.isNew && info.incoming) {
        if (!this.isOpen) this.setUnread((this.c.state.unread || 0) + 1);
        if (!this.isOpen || this.doc.hidden) this.beep();
        this.c.emit('incoming', m);
      }
    }

    renderPending(p, label) {
      const meta = this.el('div', { class: 'mt', text: label || this.T('sending') });
      const el = this.el('div', { class: 'm me' }, [this.el('div', { class: 'bb' }, this.textEl(p.text)), meta]);
      const old = this.pendEls.get(p.client_id);
      if (old) old.replaceWith(el);
      else this.pend.appendChild(el);
      this.pendEls.set(p.client_id, el);
      return el;
    }

    markFailed(cid, detail, retryText) {
      const el = this.pendEls.get(cid);
      if (!el) { if (detail) this.notice(detail); return; }
      el.classList.add('fl');
      const meta = el.lastChild;
      meta.textContent = this.T('failed') + (detail ? ': ' + detail : '');
      const text = retryText != null ? retryText : el.firstChild.textContent;
      const again = () => { el.remove(); this.pendEls.delete(cid); };
      if (text && retryText !== '') {
        meta.appendChild(this.el('button', { class: 'lk', type: 'button', text: this.T('retry'),
          on: { click: () => { again(); this.c.sendText(text, uuid()); } } }));
      }
      meta.appendChild(this.el('button', { class: 'lk', type: 'button', text: '×', 'aria-label': this.T('close'), on: { click: again } }));
    }

    notice(text) {
      const el = this.el('div', { class: 'nt', role: 'status', text });
      this.place(el, this.c.store.lastId + 0.5);
      this.scroll(true);
      return el;
    }

    hideTopics() {
      // a session is under way (queued or with an operator): the choice is over
      if (this.topicsEl) this.topicsEl.remove();
      this.topicsEl = null;
    }

    showTopics(list) {
      this.hideTopics();
      if (!list.length) return;
      const row = this.el('div', { class: 'ch', role: 'group', 'aria-label': this.T('topic') });
      for (const tp of list) {
        row.appendChild(this.el('button', {
          type: 'button', text: tp.title,
          on: {
            click: (e) => {
              for (const b of row.children) b.disabled = true;
              e.currentTarget.classList.add('on');
              this.c.topic(tp.id);
            },
          },
        }));
      }
      this.topicsEl = this.el('div', { class: 'bx' }, [this.el('b', { text: this.T('topic') }), row]);
      this.place(this.topicsEl, this.c.store.lastId + 0.5);
      this.scroll(true);
    }

    showRating() {
      if (this.ratingEl) this.ratingEl.remove();
      let score = 0;
      const stars = [];
      const starsRow = this.el('div', { class: 'stars', role: 'group', 'aria-label': this.T('rate') });
      const comment = this.el('textarea', { rows: '2', placeholder: this.T('comment'), 'aria-label': this.T('comment'), maxlength: '2000' });
      const send = this.el('button', { class: 'sb', type: 'button', text: this.T('rateSend'), disabled: true });
      for (let i = 1; i <= 5; i++) {
        const b = this.el('button', {
          type: 'button', text: '★', 'aria-label': this.T('star', { n: i }), 'aria-pressed': 'false',
          on: {
            click: () => {
              score = i;
              stars.forEach((s, j) => { s.classList.toggle('on', j < i); s.setAttribute('aria-pressed', j < i ? 'true' : 'false'); });
              send.disabled = false;
            },
          },
        });
        stars.push(b);
        starsRow.appendChild(b);
      }
      const box = this.el('div', { class: 'bx' }, [this.el('b', { text: this.T('rate') }), starsRow, comment, send]);
      send.addEventListener('click', () => {
        if (!score) return;
        this.c.rate(score, comment.value);
        const thanks = this.el('div', { class: 'nt', role: 'status', text: this.T('thanks') });
        thanks._k = box._k;
        box.replaceWith(thanks);
        this.ratingEl = null;
      });
      this.ratingEl = box;
      this.place(box, this.c.store.lastId + 0.5);
      this.scroll(true);
    }

    showTyping() {
      const op = this.c.operator;
      this.typingEl.textContent = op && op.name ? this.T('typing', { name: op.name }) : this.T('typingAnon');
      this.typingEl.hidden = false;
      this.scroll(false);
      if (this.typingTimer) this.win.clearTimeout(this.typingTimer);
      this.typingTimer = this.win.setTimeout(() => this.hideTyping(), TYPING_SHOW_MS);
    }

    hideTyping() { this.typingEl.hidden = true; }

    setQueue(text) {
      this.queueEl.hidden = !text;
      this.queueEl.textContent = text || '';
    }

    setUnread(n) {
      this.c.state.unread = n;
      this.c.save();
      this.badge.hidden = !n;
      this.badge.textContent = n > 99 ? '99+' : String(n);
      this.launcher.setAttribute('aria-label', (this.isOpen ? this.T('close') : this.T('open')) + (n ? ', ' + this.T('unread', { n }) : ''));
      this.c.emit('unread', n);
    }

    showError(text) { this.errEl.textContent = text; this.errEl.hidden = false; }
    hideError() { this.errEl.hidden = true; }

    autosize() {
      this.input.style.height = 'auto';
      this.input.style.height = Math.min(this.input.scrollHeight + 2, 120) + 'px';
    }

    submit() {
      const r = this.c.sendText(this.input.value);
      if (r.error === 'too_long') { this.showError(this.T('tooLong')); return; }
      if (r.error) return;
      this.input.value = '';
      this.autosize();
      this.hideError();
      this.input.focus();
    }

    async sendFile(file) {
      this.hideError();
      const bad = checkFile(file, this.c.config.attachments);
      if (bad) {
        this.showError(bad === 'too_big'
          ? this.T('fileTooBig', { size: formatSize(this.lang, this.c.config.attachments.max_bytes) })
          : this.T('fileType'));
        return;
      }
      const cid = uuid();
      this.renderPending({ client_id: cid, text: file.name }, this.T('uploading'));
      this.scroll(true);
      const r = await this.c.upload(file, cid);
      if (r.error) {
        const msg = r.error === 'too_big' ? this.T('fileTooBig', { size: formatSize(this.lang, this.c.config.attachments.max_bytes) })
          : r.error === 'bad_type' ? (r.detail ? [].concat(r.detail).join(' ') : this.T('fileType')) : this.T('uploadFailed');
        this.markFailed(cid, msg, '');
      } else if (this.pendEls.has(cid)) {
        this.pendEls.get(cid).remove();
        this.pendEls.delete(cid);
      }
    }

    scheduleInvitation(cfg) {
      const c = this.c;
      const inv = pickInvitation(cfg.invitations, {
        href: this.win.location.href, visits: c.countVisit(), chatted: c.state.chatted || c.store.size > 0,
        shown: c.shownInvitations(),
      });
      if (!inv) return;
      const delay = Math.max(0, Number(inv.delay_s) || 0) * 1000;
      this.win.setTimeout(() => {
        if (c.state.chatted || c.store.size || c.shownInvitations().length || c.stopped) return;
        c.markInvitationShown(inv.id);
        const el = this.el('div', { class: 'm them' }, [
          this.el('div', { class: 'nm', text: cfg.name }),
          this.el('div', { class: 'bb', text: inv.message }),
        ]);
        this.place(el, this.c.store.lastId + 0.5);
        this.open(false);
        this.beep();
        c.emit('invitation', { id: inv.id, message: inv.message });
      }, delay);
    }

    /* ---- sound: a short two-tone chime made with WebAudio, no file to download */

    unlockAudio() {
      const AC = this.win.AudioContext || this.win.webkitAudioContext;
      if (!AC) return;
      const unlock = () => {
        try {
          if (!this.audio) this.audio = new AC();
          if (this.audio.state === 'suspended') this.audio.resume();
        } catch (e) { /* no audio */ }
        this.win.removeEventListener('pointerdown', unlock, true);
        this.win.removeEventListener('keydown', unlock, true);
      };
      this.win.addEventListener('pointerdown', unlock, true);
      this.win.addEventListener('keydown', unlock, true);
    }

    beep() {
      const ctx = this.audio;
      const now = Date.now();
      if (!ctx || ctx.state !== 'running' || now - this.lastBeep < 1000) return;
      this.lastBeep = now;
      try {
        const t0 = ctx.currentTime;
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.type = 'sine';
        osc.frequency.setValueAtTime(880, t0);
        osc.frequency.setValueAtTime(1320, t0 + 0.12);
        gain.gain.setValueAtTime(0.0001, t0);
        gain.gain.exponentialRampToValueAtTime(0.12, t0 + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.35);
        osc.connect(gain);
        gain.connect(ctx.destination);
        osc.start(t0);
        osc.stop(t0 + 0.36);
      } catch (e) { /* ignore */ }
    }
  }

  /* ---------------------------------------------------------------- the visitor's context */

  const CONTEXT_URL_MAX = 1000;
  const CONTEXT_TITLE_MAX = 300;

  /** What the operator is told about the visitor: the page (address and title), the page
   * before it, the language, the time zone. Only http(s) addresses of up to 1000
   * characters go (the server drops others anyway); the browser itself is the
   * User-Agent header the server reads. */
  function collectContext(win) {
    const doc = win.document || {};
    const nav = win.navigator || {};
    const url = (u) => {
      const t = toText(u);
      return /^https?:\/\//i.test(t) && t.length <= CONTEXT_URL_MAX ? t : '';
    };
    let tz = '';
    try { tz = toText(Intl.DateTimeFormat().resolvedOptions().timeZone); } catch (e) { /* old browser */ }
    const offset = -new Date().getTimezoneOffset();
    return {
      page_url: url(win.location && win.location.href),
      page_title: toText(doc.title).replace(/\s+/g, ' ').trim().slice(0, CONTEXT_TITLE_MAX),
      referrer: url(doc.referrer),
      language: toText(nav.language).slice(0, 16),
      time_zone: tz.length <= 64 ? tz : '',
      utc_offset_min: Number.isInteger(offset) && Math.abs(offset) <= 840 ? offset : null,
    };
  }

  /** True when the page (address or title) differs from the one last told. */
  function contextChanged(prev, next) {
    if (!prev) return true;
    return prev.page_url !== next.page_url || prev.page_title !== next.page_title;
  }

  /* ---------------------------------------------------------------- boot */

  function safeStorage(win, name) {
    try {
      const s = win[name];
      const k = '__cc_widget_probe';
      s.setItem(k, '1');
      s.removeItem(k);
      return s;
    } catch (e) {
      return memoryStorage();
    }
  }

  function findScript(doc) {
    if (doc.currentScript && doc.currentScript.getAttribute('data-channel')) return doc.currentScript;
    const all = doc.querySelectorAll('script[data-channel]');
    for (const s of all) if (/widget(\.[\w-]+)?\.js/.test(s.src)) return s;
    return all[0] || null;
  }

  function boot(win) {
    const doc = win.document;
    if (win.ContactCenterWidget && win.ContactCenterWidget.version) return;
    const script = findScript(doc);
    const key = script && script.getAttribute('data-channel');
    if (!key) {
      if (win.console) win.console.warn('Contact center widget: data-channel is missing');
      return;
    }
    const attr = (n) => script.getAttribute('data-' + n);
    const client = new ChatClient({
      key,
      base: attr('base') || scriptBase(script.src, win.location.href),
      storage: safeStorage(win, 'localStorage'),
      session: safeStorage(win, 'sessionStorage'),
      fetch: (u, o) => win.fetch(u, o),
      WebSocket: win.WebSocket,
      FormData: win.FormData,
      href: () => win.location.href,
      context: () => collectContext(win),
    });
    const ui = new WidgetUI(win, client, {
      lang: attr('lang'), position: attr('position'),
      open: /^(1|true|yes|open)$/i.test(attr('open') || ''),
    });
    let ready = false;
    let wantOpen = null;
    const api = {
      version: '1.0.0',
      open() { if (ready) ui.open(true); else wantOpen = true; },
      close() { if (ready) ui.close(false); else wantOpen = false; },
      toggle() { if (ready) ui.toggle(true); else wantOpen = !wantOpen; },
      identify(fields) { client.identify(fields || {}); },
      on(event, fn) { if (typeof fn === 'function') client.on(event === 'session.closed' ? 'closed' : event, fn); return api; },
    };
    Object.defineProperty(win, 'ContactCenterWidget', { value: Object.freeze(api), configurable: true });

    const backoff = new Backoff({ base: 1000 });
    const load = (tries) => client.loadConfig().then((cfg) => {
      ui.mount(cfg);
      ready = true;
      client.start();
      client.emit('ready', { name: cfg.name });
      if (wantOpen) ui.open(true);
      win.addEventListener('online', () => client.wake());
      // a single-page site moves on without a reload: tell the operator the new page
      const pageMoved = () => client.tellContext();
      win.addEventListener('popstate', pageMoved);
      win.addEventListener('hashchange', pageMoved);
      if (typeof win.setInterval === 'function') win.setInterval(pageMoved, 2000);
      doc.addEventListener('visibilitychange', () => { if (!doc.hidden) client.wake(); });
    }, (e) => {
      if (e.status === 403 || e.status === 404) {
        if (win.console) win.console.warn('Contact center widget: channel unavailable (HTTP ' + e.status + ')');
      } else if (tries < 6) {
        win.setTimeout(() => load(tries + 1), backoff.next());
      }
    });
    load(0);
    try { win.dispatchEvent(new win.CustomEvent('contactcenterwidget:load')); } catch (e) { /* old browser */ }
  }

  const exported = {
    DICT, t, plural, pickLang, formatWait, formatQueue, formatSize, toText, textLength, uuid, safeUrl,
    linkParts, h, contrastColor, scriptBase, normalizeConfig, statusText, checkFile, validatePrechat, pickInvitation,
    backoffDelay, Backoff, MessageStore, PendingQueue, memoryStorage, ChatClient, WidgetUI, MAX_TEXT,
    collectContext, contextChanged, shownText, buttonTitle, hasTranslation,
  };
  if (typeof module !== 'undefined' && module.exports) module.exports = exported;
  if (typeof window !== 'undefined' && typeof document !== 'undefined' && window.document === document) boot(window);
})();
