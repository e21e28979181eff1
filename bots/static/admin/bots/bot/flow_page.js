// The bot page of the admin, put together: the editor of flow_editor.js, its toolbar
// (add a node, export and import JSON) and the simulator, a chat-like panel that runs
// the flow being edited on the server with nothing written (the admin types as the
// customer or presses the buttons, with the target group open or closed).
(function () {
  'use strict';

  const F = typeof window !== 'undefined' ? window.ccFlow : null;

  // The simulated customer from the panel's fields: only what was typed; attributes
  // from "key: value" lines (true, false and numbers as such).
  function contactFrom(values, typedValue) {
    const contact = {};
    for (const key of ['name', 'email', 'phone']) {
      const v = String(values[key] || '').trim();
      if (v) contact[key] = v;
    }
    const attributes = {};
    for (const line of String(values.attributes || '').split('\n')) {
      const at = line.indexOf(':');
      if (at < 1) continue;
      attributes[line.slice(0, at).trim()] = typedValue(line.slice(at + 1).trim());
    }
    if (Object.keys(attributes).length) contact.attributes = attributes;
    return contact;
  }

  // The buttons a customer can press now: those of the bot's last message, if it is
  // the last thing said and the bot still waits.
  function pressable(result) {
    if (!result || result.outcome !== 'waiting') return [];
    const said = result.transcript || [];
    const last = said[said.length - 1];
    return last && last.from === 'bot' && Array.isArray(last.buttons) ? last.buttons : [];
  }

  function csrf(doc) {
    const field = doc.querySelector('input[name=csrfmiddlewaretoken]');
    return field ? field.value : '';
  }

  async function postJson(doc, url, body) {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf(doc) },
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    return { ok: response.ok, data };
  }

  function toolbar(doc, editor) {
    const ui = window.ccFlowEditor;
    const t = editor.t;
    const bar = editor.root.querySelector('.cc-fe-toolbar');
    const types = ui.select(doc, { class: 'cc-fe-new-type', 'aria-label': t.node_type }, F.TYPES.map((k) => [k, t.types[k] || k]), 'message');
    const add = ui.el(doc, 'button', { type: 'button', class: 'cc-fe-add', text: t.add_node });
    add.addEventListener('click', () => {
      const made = F.addNode(editor.flow, types.value);
      editor.flow = made.flow;
      editor.changed(true);
      editor.reveal(made.id);
    });
    const exp = ui.el(doc, 'button', { type: 'button', class: 'cc-fe-export', text: t.export });
    exp.addEventListener('click', () => download(doc, editor));
    bar.appendChild(ui.el(doc, 'div', { class: 'cc-fe-tools' }, [types, add, exp]));
    bar.appendChild(importBox(doc, editor));
  }

  function download(doc, editor) {
    const blob = new Blob([F.exportText(editor.flow)], { type: 'application/json' });
    const link = doc.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = (editor.root.getAttribute('data-file') || 'bot') + '.json';
    doc.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  function importBox(doc, editor) {
    const ui = window.ccFlowEditor;
    const t = editor.t;
    const paste = ui.el(doc, 'textarea', { class: 'cc-fe-import-text', rows: 3, placeholder: t.import_placeholder });
    const file = ui.el(doc, 'input', { type: 'file', accept: '.json,application/json', class: 'cc-fe-import-file' });
    const go = ui.el(doc, 'button', { type: 'button', class: 'cc-fe-import', text: t.import });
    const said = ui.el(doc, 'span', { class: 'cc-fe-import-said', role: 'status' });
    const take = (text) => {
      const parsed = F.parseFlow(text);
      said.textContent = parsed.error ? t['import_' + parsed.error] : t.imported;
      if (parsed.error) return;
      editor.flow = parsed.flow;
      editor.problems = {};
      editor.changed(true);
    };
    go.addEventListener('click', () => take(paste.value));
    file.addEventListener('change', () => {
      if (file.files && file.files[0]) file.files[0].text().then(take);
    });
    return ui.el(doc, 'details', { class: 'cc-fe-importer' }, [
      ui.el(doc, 'summary', { text: t.import_title }), paste, ui.el(doc, 'div', {}, [file, go, said]),
    ]);
  }

  class Simulator {
    constructor(doc, editor, box) {
      this.doc = doc;
      this.editor = editor;
      this.box = box;
      this.t = editor.t;
      this.inputs = [];
      this.result = null;
      this.log = box.querySelector('.cc-sim-log');
      this.keys = box.querySelector('.cc-sim-buttons');
      this.summary = box.querySelector('.cc-sim-summary');
      box.querySelector('.cc-sim-say').addEventListener('click', () => this.say());
      box.querySelector('.cc-sim-restart').addEventListener('click', () => { this.inputs = []; this.run(); });
      const keep = box.querySelector('.cc-sim-save');
      if (keep) keep.addEventListener('click', () => this.save());
      box.querySelector('.cc-sim-open').addEventListener('change', () => this.run());
      box.querySelector('.cc-sim-text').addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') { ev.preventDefault(); this.say(); }
      });
    }

    request() {
      const v = (name) => this.box.querySelector('.cc-sim-' + name).value;
      const contact = contactFrom({ name: v('name'), email: v('email'), phone: v('phone'), attributes: v('attributes') }, window.ccFlowEditor.typedValue);
      const bot = Number(this.box.getAttribute('data-bot')) || null;
      return { bot, flow: this.editor.flow, inputs: this.inputs.slice(), group_open: this.box.querySelector('.cc-sim-open').checked, contact };
    }

    say() {
      const field = this.box.querySelector('.cc-sim-text');
      const text = field.value.trim();
      if (!text) return;
      field.value = '';
      this.inputs.push(text);
      this.run();
    }

    async run() {
      if (!Object.keys(this.editor.flow.nodes || {}).length) {
        this.show(null, this.t.sim_empty);
        return;
      }
      const { ok, data } = await postJson(this.doc, this.box.getAttribute('data-simulate-url'), this.request());
      if (!ok || data.problems) {
        this.inputs.pop();
        this.show(null, data.problems ? this.t.sim_problems + ' ' + data.problems.join(' ') : (data.detail || this.t.sim_failed));
        return;
      }
      this.result = data;
      this.show(data, '');
    }

    async save() {
      const name = this.box.querySelector('.cc-sim-title');
      const status = this.box.querySelector('.cc-sim-saved');
      if (!name.value.trim()) { status.textContent = this.t.sim_name_needed; name.focus(); return; }
      const body = Object.assign(this.request(), { name: name.value.trim() });
      const { ok, data } = await postJson(this.doc, this.box.getAttribute('data-save-url'), body);
      status.textContent = ok ? this.t.sim_saved : (data.detail || this.t.sim_failed);
      if (ok) name.value = '';
    }

    show(result, problem) {
      const ui = window.ccFlowEditor;
      const doc = this.doc;
      for (const box of [this.log, this.keys, this.summary]) while (box.firstChild) box.removeChild(box.firstChild);
      if (problem) { this.summary.appendChild(ui.el(doc, 'p', { class: 'errornote', text: problem })); return; }
      for (const line of result.transcript || []) {
        const who = line.from === 'bot' ? 'cc-sim-bot' : 'cc-sim-contact';
        const bubble = ui.el(doc, 'div', { class: 'cc-sim-line ' + who, text: line.text || '' });
        if (Array.isArray(line.buttons) && line.buttons.length) {
          bubble.appendChild(ui.el(doc, 'div', { class: 'cc-sim-choices', text: line.buttons.map((b) => '[' + b.title + ']').join(' ') }));
        }
        this.log.appendChild(bubble);
      }
      for (const b of pressable(result)) {
        const key = ui.el(doc, 'button', { type: 'button', class: 'cc-sim-press', 'data-button': b.id, text: b.title });
        key.addEventListener('click', () => { this.inputs.push({ button: b.id }); this.run(); });
        this.keys.appendChild(key);
      }
      this.log.scrollTop = this.log.scrollHeight;
      this.showSummary(result);
    }

    showSummary(result) {
      const ui = window.ccFlowEditor;
      const doc = this.doc;
      const t = this.t;
      let outcome = t.outcomes[result.outcome] || result.outcome;
      if (result.outcome === 'handoff') outcome += ' — ' + (result.group_name || t.default_group);
      this.summary.appendChild(ui.el(doc, 'p', { class: 'cc-sim-outcome', text: t.outcome + ': ' + outcome }));
      const data = Object.entries(result.collected || {});
      if (!data.length) return;
      this.summary.appendChild(ui.el(doc, 'p', { text: t.collected + ':' }));
      this.summary.appendChild(ui.el(doc, 'ul', { class: 'cc-sim-collected' }, data.map(([k, v]) => ui.el(doc, 'li', { text: k + ': ' + (typeof v === 'string' ? v : JSON.stringify(v)) }))));
    }
  }

  function boot(doc) {
    const root = doc.querySelector('.cc-flow-editor');
    if (!root) return;
    const editor = new window.ccFlowEditor.Editor(doc, root);
    toolbar(doc, editor);
    editor.build();
    editor.draw();
    const sim = doc.querySelector('.cc-simulator');
    if (sim) new Simulator(doc, editor, sim).run();
  }

  const exported = { contactFrom, pressable };
  if (typeof module !== 'undefined' && module.exports) module.exports = exported;
  if (typeof window !== 'undefined' && typeof document !== 'undefined' && window.document === document) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => boot(document));
    else boot(document);
  }
})();
