// The channel page of the admin: the website widget's settings as real fields, with a
// preview that follows them as the admin types (nothing is saved until "Save").
// No library, no markup from strings: the preview is built with createElement.
// Pure parts are exported for node's test runner (tests/adminjs/).
(function () {
  'use strict';

  const DEFAULT_COLOR = '#2563eb';
  const COLOR = /^#[0-9a-f]{6}$/i;
  const SHORT_COLOR = /^#[0-9a-f]{3}$/i;
  const ICONS = {
    chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z',
    send: 'M3 20.5 21 12 3 3.5 3 10l12 2-12 2z',
  };

  // A typed colour as the server will store it: #rrggbb in lower case, #abc widened;
  // null when it is not one (the preview then keeps the default and says so).
  function normalizeColor(text) {
    const t = String(text || '').trim().toLowerCase();
    if (COLOR.test(t)) return t;
    if (SHORT_COLOR.test(t)) return '#' + t.slice(1).split('').map((d) => d + d).join('');
    return null;
  }

  // The text colour the widget puts on its colour (same rule as widget.js).
  function contrastColor(hex) {
    const m = /^#([0-9a-f]{6})$/i.exec(hex || '');
    if (!m) return '#fff';
    const n = parseInt(m[1], 16);
    const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    const l = 0.2126 * lin(n >> 16) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255);
    return l > 0.179 ? '#111' : '#fff';
  }

  // What the preview shows, from the form's values:
  // {title, color, colorValid, textColor, greeting, lang, left, prechat: [{name, label, required}] | null}
  function previewModel(values, texts, pageLang) {
    const typed = String(values.color || '').trim();
    const color = typed ? normalizeColor(typed) : DEFAULT_COLOR;
    let lang = values.language === 'en' || values.language === 'ru' ? values.language : pageLang;
    if (!texts[lang]) lang = 'en';
    const t = texts[lang] || {};
    const asked = ['name', 'email', 'phone'].filter((f) => values.prechat[f] === 'optional' || values.prechat[f] === 'required');
    return {
      title: String(values.title || '').trim() || String(values.name || '').trim() || t.chat || 'Chat',
      color: color || DEFAULT_COLOR,
      colorValid: color !== null,
      textColor: contrastColor(color || DEFAULT_COLOR),
      greeting: String(values.greeting || '').trim(),
      lang: lang,
      left: values.position === 'left',
      prechat: values.prechat.enabled && asked.length
        ? asked.map((f) => ({ name: f, label: t[f] || f, required: values.prechat[f] === 'required' }))
        : null,
      texts: t,
    };
  }

  function el(doc, tag, attrs, children) {
    const svg = tag.startsWith('svg:');
    const node = svg ? doc.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : doc.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined) continue;
      if (key === 'text') node.textContent = value;
      else if (key === 'style') for (const [p, v] of Object.entries(value)) node.style.setProperty(p, v);
      else node.setAttribute(key, value);
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  function icon(doc, name) {
    return el(doc, 'svg:svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true' }, [el(doc, 'svg:path', { d: ICONS[name] })]);
  }

  // The still of the widget: the open panel above its button, in the chosen corner.
  function renderPreview(doc, box, model) {
    const t = model.texts;
    const log = el(doc, 'div', { class: 'cc-pv-lg' }, [
      model.greeting ? el(doc, 'div', { class: 'cc-pv-bb', text: model.greeting }) : null,
    ]);
    let bottom;
    if (model.prechat) {
      bottom = el(doc, 'div', { class: 'cc-pv-pf' }, [el(doc, 'p', { text: t.prechat })]);
      for (const f of model.prechat) {
        bottom.appendChild(el(doc, 'label', { text: f.label + (f.required ? ' *' : '') }));
        bottom.appendChild(el(doc, 'span', { class: 'cc-pv-input', 'data-field': f.name }));
      }
      bottom.appendChild(el(doc, 'span', { class: 'cc-pv-sb', text: t.start }));
    } else {
      bottom = el(doc, 'div', { class: 'cc-pv-cp' }, [
        el(doc, 'span', { class: 'cc-pv-in', text: t.placeholder }),
        el(doc, 'span', { class: 'cc-pv-sd' }, [icon(doc, 'send')]),
      ]);
    }
    const panel = el(doc, 'div', { class: 'cc-pv-p' }, [
      el(doc, 'div', { class: 'cc-pv-hd' }, [
        el(doc, 'div', null, [
          el(doc, 'div', { class: 'cc-pv-ti', text: model.title }),
          el(doc, 'div', { class: 'cc-pv-st', text: t.online }),
        ]),
        el(doc, 'span', { class: 'cc-pv-x', text: '×', 'aria-hidden': 'true' }),
      ]),
      log,
      bottom,
    ]);
    const page = el(doc, 'div', {
      class: 'cc-pv-w' + (model.left ? ' cc-pv-left' : ''),
      lang: model.lang,
      'data-color': model.color,
      style: { '--c': model.color, '--t': model.textColor },
    }, [panel, el(doc, 'span', { class: 'cc-pv-ln' }, [icon(doc, 'chat')])]);
    while (box.firstChild) box.removeChild(box.firstChild);
    box.appendChild(page);
  }

  // The picker and the text box are one value: the text box's, which is what is sent.
  function bindColorPickers(doc) {
    for (const picker of doc.querySelectorAll('.cc-color-picker')) {
      const text = doc.getElementById(picker.getAttribute('data-for'));
      if (!text) continue;
      picker.addEventListener('input', () => {
        text.value = picker.value;
        text.dispatchEvent(new Event('input', { bubbles: true }));
      });
      text.addEventListener('input', () => {
        const color = normalizeColor(text.value);
        if (color) picker.value = color;
        text.classList.toggle('cc-color-bad', !color && text.value.trim() !== '');
      });
    }
  }

  // The form's widget fields, as previewModel takes them.
  function formValues(doc) {
    const byId = (id) => doc.getElementById(id);
    const v = (id) => (byId(id) ? byId(id).value : '');
    return {
      name: v('id_name'),
      title: v('id_widget_title'),
      color: v('id_widget_color'),
      greeting: v('id_widget_greeting'),
      language: v('id_widget_language'),
      position: v('id_widget_position'),
      prechat: {
        enabled: !!(byId('id_prechat_enabled') && byId('id_prechat_enabled').checked),
        name: v('id_prechat_name'),
        email: v('id_prechat_email'),
        phone: v('id_prechat_phone'),
      },
    };
  }

  // On the add page the type is picked here: the widget's fields or the JSON settings.
  function showForType(doc, type) {
    if (!type || type.tagName !== 'SELECT') return;
    const widget = type.value === 'widget';
    // A section with an error stays in sight, whatever the type.
    const hide = (fs, hidden) => { fs.hidden = hidden && !fs.querySelector('.errorlist'); };
    for (const fs of doc.querySelectorAll('fieldset.widget-settings')) hide(fs, !widget);
    for (const fs of doc.querySelectorAll('fieldset.channel-settings')) hide(fs, widget);
  }

  function boot(doc) {
    const box = doc.querySelector('.cc-preview');
    const type = doc.getElementById('id_type');
    const texts = box ? JSON.parse(box.getAttribute('data-texts') || '{}') : {};
    const pageLang = (doc.documentElement.getAttribute('lang') || 'en').slice(0, 2);
    const redraw = () => {
      if (box) renderPreview(doc, box, previewModel(formValues(doc), texts, pageLang));
    };
    bindColorPickers(doc);
    const form = box ? box.closest('form') : null;
    if (form) {
      form.addEventListener('input', redraw);
      form.addEventListener('change', redraw);
    }
    if (type) type.addEventListener('change', () => showForType(doc, type));
    showForType(doc, type);
    redraw();
    // the snippet box selects itself when focused, ready to copy
    doc.querySelectorAll('textarea[data-select-on-focus]').forEach(function (snippet) {
      snippet.addEventListener('focus', function () { snippet.select(); });
    });
  }

  const exported = { normalizeColor, contrastColor, previewModel, renderPreview };
  if (typeof module !== 'undefined' && module.exports) module.exports = exported;
  if (typeof window !== 'undefined' && typeof document !== 'undefined' && window.document === document) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => boot(document));
    else boot(document);
  }
})();
