// The bot page of the admin: the flow edited as nodes with the fields of their type
// (buttons inline, the next node picked from a list), with the diagram redrawn as the
// admin types. The whole flow lives in one hidden field, which this script writes;
// the server validates it on save and names each problem at its node.
// Built with createElement, no markup from strings (the admin runs under a strict CSP).
(function () {
  'use strict';

  const F = typeof window !== 'undefined' ? window.ccFlow : null;
  const D = typeof window !== 'undefined' ? window.ccFlowDiagram : null;

  // A typed value as the flow keeps it: true/false/null/numbers as JSON, the rest as text.
  function typedValue(text) {
    const t = String(text === null || text === undefined ? '' : text).trim();
    if (/^(true|false|null|-?\d+(\.\d+)?)$/.test(t)) return JSON.parse(t);
    return String(text === null || text === undefined ? '' : text);
  }

  function shownValue(value) {
    if (value === undefined || value === null) return value === null ? 'null' : '';
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  function el(doc, tag, attrs, children) {
    const node = doc.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'text') node.textContent = value;
      else if (key === 'value') node.value = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  function option(doc, value, label, selected) {
    const o = el(doc, 'option', { value: value, text: label });
    if (selected) o.selected = true;
    return o;
  }

  function select(doc, attrs, pairs, current) {
    const s = el(doc, 'select', attrs);
    for (const [value, label] of pairs) s.appendChild(option(doc, value, label, String(current) === String(value)));
    return s;
  }

  // A labelled row of the node's card; `help` in plain words under the control.
  function row(doc, label, control, help) {
    return el(doc, 'div', { class: 'cc-fe-row' }, [
      el(doc, 'label', { text: label }), control,
      help ? el(doc, 'div', { class: 'help', text: help }) : null,
    ]);
  }

  class Editor {
    constructor(doc, root) {
      this.doc = doc;
      this.root = root;
      this.hidden = doc.getElementById(root.getAttribute('data-input'));
      this.t = JSON.parse(root.getAttribute('data-texts') || '{}');
      this.groups = JSON.parse(root.getAttribute('data-groups') || '[]');
      this.problems = JSON.parse(root.getAttribute('data-problems') || '{}');
      const parsed = F.parseFlow(this.hidden.value || '{"start": "", "nodes": {}}');
      this.flow = parsed.flow || { start: '', nodes: {} };
      this.nodesBox = root.querySelector('.cc-fe-nodes');
      this.picture = root.querySelector('.cc-fe-diagram');
      this.startBox = root.querySelector('.cc-fe-start');
    }

    // After any change: the hidden field, the diagram, and (for a change of shape) the cards.
    changed(rebuild) {
      this.hidden.value = JSON.stringify(this.flow);
      this.hidden.dispatchEvent(new Event('change', { bubbles: true }));
      if (rebuild) this.build();
      this.draw();
    }

    draw() {
      const model = D.diagramModel(this.flow, this.t);
      D.renderDiagram(this.doc, this.picture, model, (id) => this.reveal(id));
    }

    reveal(id) {
      const card = this.doc.getElementById('cc-node-' + id);
      if (!card) return;
      card.scrollIntoView({ behavior: 'smooth', block: 'center' });
      const first = card.querySelector('input, select, textarea');
      if (first) first.focus({ preventScroll: true });
    }

    nodeChoices(blank) {
      return [['', blank || this.t.pick_node]].concat(Object.keys(this.flow.nodes).map((id) => [id, id]));
    }

    // An optional way (fail_next) is left out of the flow when nothing is picked.
    nextSelect(holder, key, label, help, optional) {
      const s = select(this.doc, { 'data-ref': key }, this.nodeChoices(optional ? this.t.none : null), holder[key] || '');
      s.addEventListener('change', () => {
        if (optional && !s.value) delete holder[key];
        else holder[key] = s.value;
        this.changed(false);
      });
      return row(this.doc, label, s, help);
    }

    textInput(holder, key, label, help, attrs) {
      const tag = attrs && attrs.multiline ? 'textarea' : 'input';
      const input = el(this.doc, tag, Object.assign({ value: shownValue(holder[key]), rows: 2 }, attrs && attrs.extra));
      input.addEventListener('input', () => {
        if (attrs && attrs.optional && !input.value.trim()) delete holder[key];
        else holder[key] = attrs && attrs.typed ? typedValue(input.value) : input.value;
        this.changed(false);
      });
      return row(this.doc, label, input, help);
    }

    build() {
      this.buildStart();
      while (this.nodesBox.firstChild) this.nodesBox.removeChild(this.nodesBox.firstChild);
      for (const id of Object.keys(this.flow.nodes)) this.nodesBox.appendChild(this.card(id));
      const general = this.problems[''] || [];
      const box = this.root.querySelector('.cc-fe-general');
      if (box) {
        while (box.firstChild) box.removeChild(box.firstChild);
        if (general.length) box.appendChild(el(this.doc, 'ul', { class: 'errorlist' }, general.map((p) => el(this.doc, 'li', { text: p }))));
      }
    }

    buildStart() {
      while (this.startBox.firstChild) this.startBox.removeChild(this.startBox.firstChild);
      const s = select(this.doc, { id: 'cc-fe-start' }, this.nodeChoices(this.t.pick_start), this.flow.start);
      s.addEventListener('change', () => { this.flow.start = s.value; this.changed(false); });
      this.startBox.appendChild(row(this.doc, this.t.start, s, this.t.start_help));
    }

    card(id) {
      const node = this.flow.nodes[id];
      const doc = this.doc;
      const problems = this.problems[id] || [];
      const card = el(doc, 'fieldset', { class: 'cc-fe-node module' + (problems.length ? ' errors' : ''), id: 'cc-node-' + id, 'data-node': id });
      card.appendChild(this.cardHead(id, node));
      if (problems.length) card.appendChild(el(doc, 'ul', { class: 'errorlist' }, problems.map((p) => el(doc, 'li', { text: p }))));
      for (const part of this.fields(node)) card.appendChild(part);
      return card;
    }

    cardHead(id, node) {
      const doc = this.doc;
      const name = el(doc, 'input', { value: id, class: 'cc-fe-id', 'aria-label': this.t.node_id, maxlength: 64 });
      name.addEventListener('change', () => this.rename(id, name));
      const types = F.TYPES.map((t) => [t, (this.t.types && this.t.types[t]) || t]);
      const type = select(doc, { class: 'cc-fe-type', 'aria-label': this.t.node_type }, types, node && node.type);
      type.addEventListener('change', () => { this.flow = F.changeType(this.flow, id, type.value); this.changed(true); });
      const remove = el(doc, 'button', { type: 'button', class: 'cc-fe-remove', text: this.t.remove_node });
      remove.addEventListener('click', () => {
        if (!window.confirm(this.t.confirm_remove.replace('%(node)s', id))) return;
        this.flow = F.removeNode(this.flow, id);
        this.changed(true);
      });
      return el(doc, 'div', { class: 'cc-fe-head' }, [name, type, remove]);
    }

    rename(id, input) {
      const to = input.value.trim();
      try {
        this.flow = F.renameNode(this.flow, id, to);
      } catch (e) {
        input.setCustomValidity(e.message === 'taken' ? this.t.id_taken : this.t.id_bad);
        input.reportValidity();
        return;
      }
      if (this.problems[id]) { this.problems[to] = this.problems[id]; delete this.problems[id]; }
      this.changed(true);
      this.reveal(to);
    }

    fields(node) {
      const t = this.t;
      const text = (help) => this.textInput(node, 'text', t.text, help, { multiline: true });
      switch (node && node.type) {
        case 'message': return [text(t.text_help), this.nextSelect(node, 'next', t.next)];
        case 'buttons': return [text(t.buttons_text_help), this.buttonRows(node), this.nextSelect(node, 'fail_next', t.fail_next, t.buttons_fail_help, true)];
        case 'input': return this.inputFields(node);
        case 'condition': return [this.ruleRows(node), this.nextSelect(node, 'else', t.else_next, t.else_help)];
        case 'set': return [
          this.textInput(node, 'field', t.field, t.field_help),
          this.textInput(node, 'value', t.value, t.value_help, { typed: true }),
          this.nextSelect(node, 'next', t.next)];
        case 'faq': return [
          this.textInput(node, 'text', t.text, t.faq_text_help, { multiline: true, optional: true }),
          this.nextSelect(node, 'next', t.faq_next, t.faq_help), this.nextSelect(node, 'no_match_next', t.no_match_next)];
        case 'handoff': return this.handoffFields(node);
        case 'end': return [text(t.end_help)];
        default: return [el(this.doc, 'p', { class: 'help', text: t.unknown_type })];
      }
    }

    inputFields(node) {
      const t = this.t;
      const rules = F.VALIDATE.map((v) => [v, t.validate_names[v] || v]).concat([['regex', t.validate_names.regex]]);
      const isRegex = String(node.validate || '').startsWith('regex:');
      const check = select(this.doc, {}, rules, isRegex ? 'regex' : node.validate);
      const pattern = el(this.doc, 'input', { value: isRegex ? node.validate.slice(6) : '', placeholder: t.pattern, hidden: !isRegex });
      const apply = () => {
        pattern.hidden = check.value !== 'regex';
        node.validate = check.value === 'regex' ? 'regex:' + pattern.value : check.value;
        this.changed(false);
      };
      check.addEventListener('change', apply);
      pattern.addEventListener('input', apply);
      const tries = this.textInput(node, 'max_attempts', t.max_attempts, t.max_attempts_help, { typed: true, optional: true, extra: { type: 'number', min: 1, max: 20 } });
      return [
        this.textInput(node, 'text', t.text, t.input_text_help, { multiline: true }),
        this.textInput(node, 'field', t.field, t.field_help, { extra: { list: 'cc-fe-fields' } }),
        row(this.doc, t.validate, el(this.doc, 'span', {}, [check, pattern]), t.validate_help),
        this.textInput(node, 'error_text', t.error_text, t.error_text_help),
        tries,
        this.nextSelect(node, 'next', t.next),
        this.nextSelect(node, 'fail_next', t.fail_next, t.fail_next_help, true),
      ];
    }

    handoffFields(node) {
      const t = this.t;
      const pairs = [['', t.default_group]].concat(this.groups.map((g) => [String(g.id), g.name]));
      const group = select(this.doc, { class: 'cc-fe-group' }, pairs, node.group === null || node.group === undefined ? '' : node.group);
      group.addEventListener('change', () => { node.group = group.value ? Number(group.value) : null; this.changed(false); });
      return [
        row(this.doc, t.group, group, t.group_help),
        this.textInput(node, 'priority', t.priority, t.priority_help, { typed: true, optional: true, extra: { type: 'number', min: 0, max: 100 } }),
        this.textInput(node, 'text', t.text, t.handoff_text_help, { multiline: true }),
      ];
    }

    buttonRows(node) {
      const doc = this.doc;
      const box = el(doc, 'div', { class: 'cc-fe-list' }, [el(doc, 'div', { class: 'cc-fe-list-title', text: this.t.buttons })]);
      (node.buttons || []).forEach((button, i) => {
        const title = el(doc, 'input', { value: button.title || '', placeholder: this.t.button_title, class: 'cc-fe-button-title' });
        title.addEventListener('input', () => { button.title = title.value; this.changed(false); });
        const next = select(doc, { 'aria-label': this.t.next, class: 'cc-fe-button-next' }, this.nodeChoices(), button.next || '');
        next.addEventListener('change', () => { button.next = next.value; this.changed(false); });
        box.appendChild(el(doc, 'div', { class: 'cc-fe-item' }, [title, el(doc, 'span', { text: '→' }), next, this.dropButton(node.buttons, i)]));
      });
      const add = el(doc, 'button', { type: 'button', class: 'cc-fe-add-button', text: this.t.add_button });
      add.addEventListener('click', () => { F.addButton(node); this.changed(true); });
      box.appendChild(add);
      return box;
    }

    dropButton(list, i) {
      const drop = el(this.doc, 'button', { type: 'button', class: 'cc-fe-drop', text: '×', 'aria-label': this.t.remove });
      drop.addEventListener('click', () => { list.splice(i, 1); this.changed(true); });
      return drop;
    }

    ruleRows(node) {
      const doc = this.doc;
      const box = el(doc, 'div', { class: 'cc-fe-list' }, [el(doc, 'div', { class: 'cc-fe-list-title', text: this.t.rules }), el(doc, 'div', { class: 'help', text: this.t.rules_help })]);
      node.rules = Array.isArray(node.rules) ? node.rules : [];
      node.rules.forEach((rule, i) => {
        const field = el(doc, 'input', { value: rule.field || '', placeholder: 'contact.attributes.vip' });
        field.addEventListener('input', () => { rule.field = field.value; this.changed(false); });
        const op = select(doc, {}, F.OPS.map((o) => [o, this.t.ops[o] || o]), rule.op || 'equals');
        op.addEventListener('change', () => { rule.op = op.value; this.changed(false); });
        const value = el(doc, 'input', { value: shownValue(rule.value), placeholder: this.t.value });
        value.addEventListener('input', () => { rule.value = typedValue(value.value); this.changed(false); });
        const next = select(doc, { 'aria-label': this.t.next }, this.nodeChoices(), rule.next || '');
        next.addEventListener('change', () => { rule.next = next.value; this.changed(false); });
        box.appendChild(el(doc, 'div', { class: 'cc-fe-item' }, [field, op, value, el(doc, 'span', { text: '→' }), next, this.dropButton(node.rules, i)]));
      });
      const add = el(doc, 'button', { type: 'button', text: this.t.add_rule });
      add.addEventListener('click', () => { node.rules.push({ field: '', op: 'equals', value: '', next: '' }); this.changed(true); });
      box.appendChild(add);
      return box;
    }
  }

  const exported = { typedValue, shownValue };
  if (typeof module !== 'undefined' && module.exports) module.exports = exported;
  if (typeof window !== 'undefined') window.ccFlowEditor = Object.assign({ Editor, el, select, row }, exported);
})();
