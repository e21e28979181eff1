// The bot page of the admin, pure part: a flow as data (the contract's "Bots" shape),
// its arrows, a layered layout for the diagram, and the edits the editor makes.
// No DOM here: node's test runner loads it (tests/adminjs/), the page gets window.ccFlow.
(function () {
  'use strict';

  const TYPES = ['message', 'buttons', 'input', 'condition', 'set', 'faq', 'handoff', 'end'];
  const OPS = ['equals', 'not_equals', 'contains', 'in', 'gt', 'lt', 'is_set', 'is_not_set'];
  const VALIDATE = ['text', 'email', 'phone', 'number'];
  const ID = /^[\w.-]{1,100}$/;
  const BOX = { w: 190, h: 62, gapX: 40, gapY: 70, pad: 20 };

  // A new node of a type, with the fields the editor shows for it.
  function blankNode(type) {
    switch (type) {
      case 'message': return { type, text: '', next: '' };
      case 'buttons': return { type, text: '', buttons: [] };
      case 'input': return { type, text: '', field: 'name', validate: 'text', error_text: '', max_attempts: 3, next: '' };
      case 'condition': return { type, rules: [], else: '' };
      case 'set': return { type, field: '', value: '', next: '' };
      case 'faq': return { type, next: '', no_match_next: '' };
      case 'handoff': return { type, group: null, text: '' };
      case 'end': return { type, text: '' };
      default: throw new Error('unknown node type: ' + type);
    }
  }

  // Every arrow of one node: {to, kind, label}; kind names the field the arrow comes from.
  function nodeEdges(node) {
    const out = [];
    const add = (to, kind, label) => { if (typeof to === 'string' && to) out.push({ to, kind, label: label || '' }); };
    if (!node || typeof node !== 'object') return out;
    add(node.next, 'next', '');
    for (const b of Array.isArray(node.buttons) ? node.buttons : []) add(b && b.next, 'button', b && b.title);
    add(node.fail_next, 'fail_next', '');
    for (const r of Array.isArray(node.rules) ? node.rules : []) {
      if (r) add(r.next, 'rule', [r.field, r.op, r.value === undefined ? '' : JSON.stringify(r.value)].join(' ').trim());
    }
    add(node.else, 'else', '');
    add(node.no_match_next, 'no_match_next', '');
    return out;
  }

  // All arrows of the flow: {from, to, kind, label, known} (known: the target exists).
  function flowEdges(flow) {
    const nodes = (flow && flow.nodes) || {};
    const out = [];
    for (const [id, node] of Object.entries(nodes)) {
      for (const e of nodeEdges(node)) out.push(Object.assign({ from: id, known: e.to in nodes }, e));
    }
    return out;
  }

  // Layers by distance from the start (breadth first); nodes the start never reaches
  // go one layer below the last, so the admin sees them apart.
  function layers(flow) {
    const nodes = (flow && flow.nodes) || {};
    const depth = {};
    const queue = [];
    if (flow && flow.start in nodes) { depth[flow.start] = 0; queue.push(flow.start); }
    while (queue.length) {
      const id = queue.shift();
      for (const e of nodeEdges(nodes[id])) {
        if (e.to in nodes && !(e.to in depth)) { depth[e.to] = depth[id] + 1; queue.push(e.to); }
      }
    }
    const deepest = Math.max(-1, ...Object.values(depth));
    const rows = [];
    for (const id of Object.keys(nodes)) {
      const d = id in depth ? depth[id] : deepest + 1;
      (rows[d] = rows[d] || []).push(id);
    }
    return { rows: rows.filter(Boolean), reached: depth };
  }

  // One downward sweep: each row sorted by the mean place of its parents above, which
  // keeps most arrows from crossing (ties keep the order of the flow).
  function orderRows(flow, rows) {
    const place = {};
    rows[0] && rows[0].forEach((id, i) => { place[id] = i; });
    // a parent's k-th way out of n counts as place + k / n: buttons keep their order
    const parents = {};
    for (const [id, node] of Object.entries((flow && flow.nodes) || {})) {
      const ways = nodeEdges(node);
      ways.forEach((e, k) => (parents[e.to] = parents[e.to] || []).push([id, k / (ways.length + 1)]));
    }
    for (let r = 1; r < rows.length; r++) {
      const mean = (id) => {
        const above = (parents[id] || []).filter(([p]) => p in place);
        return above.length ? above.reduce((s, [p, f]) => s + place[p] + f, 0) / above.length : Infinity;
      };
      const keyed = rows[r].map((id, i) => ({ id, i, m: mean(id) }));
      keyed.sort((a, b) => (a.m - b.m) || (a.i - b.i));
      rows[r] = keyed.map((k) => k.id);
      rows[r].forEach((id, i) => { place[id] = i; });
    }
    return rows;
  }

  // Where each box goes: {boxes: {id: {x, y, w, h, row, reached}}, width, height}.
  function layout(flow) {
    const { rows, reached } = layers(flow);
    orderRows(flow, rows);
    const widest = Math.max(1, ...rows.map((r) => r.length));
    const width = BOX.pad * 2 + widest * BOX.w + (widest - 1) * BOX.gapX;
    const boxes = {};
    rows.forEach((row, r) => {
      const used = row.length * BOX.w + (row.length - 1) * BOX.gapX;
      const left = (width - used) / 2;
      row.forEach((id, i) => {
        boxes[id] = { x: left + i * (BOX.w + BOX.gapX), y: BOX.pad + r * (BOX.h + BOX.gapY), w: BOX.w, h: BOX.h, row: r, reached: id in reached };
      });
    });
    const height = BOX.pad * 2 + rows.length * BOX.h + Math.max(0, rows.length - 1) * BOX.gapY;
    return { boxes, width, height: Math.max(height, BOX.pad * 2 + BOX.h) };
  }

  // The path of an arrow between two boxes: down to the next rows straight, back up or
  // sideways along a curve beside the boxes. {d, lx, ly}: SVG path and label point.
  function arrowPath(a, b, index) {
    const shift = (index % 5) * 6;
    if (b.row > a.row) {
      const x1 = a.x + a.w / 2 + shift - 12, y1 = a.y + a.h;
      const x2 = b.x + b.w / 2, y2 = b.y;
      const my = (y1 + y2) / 2;
      return { d: `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`, lx: (x1 + x2) / 2, ly: my };
    }
    const x1 = a.x + a.w, y1 = a.y + a.h / 2 + shift - 12;
    const x2 = b.x + b.w, y2 = b.y + b.h / 2;
    const bend = Math.max(x1, x2) + 40 + shift;
    return { d: `M${x1},${y1} C${bend},${y1} ${bend},${y2} ${x2},${y2}`, lx: bend - 10, ly: (y1 + y2) / 2 };
  }

  function copy(flow) {
    return JSON.parse(JSON.stringify(flow || { start: '', nodes: {} }));
  }

  // A free id for a new node of a type: "menu", "menu_2", ...
  function freeId(flow, base) {
    const nodes = (flow && flow.nodes) || {};
    const stem = String(base || 'node').replace(/[^\w.-]/g, '_').slice(0, 90) || 'node';
    if (!(stem in nodes)) return stem;
    let n = 2;
    while (stem + '_' + n in nodes) n++;
    return stem + '_' + n;
  }

  function addNode(flow, type, id) {
    const out = copy(flow);
    const key = id || freeId(out, type);
    out.nodes[key] = blankNode(type);
    if (!out.start) out.start = key;
    return { flow: out, id: key };
  }

  // Calls fn(holder, key) for every place in a node that names another node.
  function eachRef(node, fn) {
    if (!node || typeof node !== 'object') return;
    for (const k of ['next', 'fail_next', 'else', 'no_match_next']) if (k in node) fn(node, k);
    for (const b of Array.isArray(node.buttons) ? node.buttons : []) if (b && 'next' in b) fn(b, 'next');
    for (const r of Array.isArray(node.rules) ? node.rules : []) if (r && 'next' in r) fn(r, 'next');
  }

  // Removing a node empties the arrows that led to it (the validator then names them).
  function removeNode(flow, id) {
    const out = copy(flow);
    delete out.nodes[id];
    for (const node of Object.values(out.nodes)) eachRef(node, (h, k) => { if (h[k] === id) h[k] = ''; });
    if (out.start === id) out.start = Object.keys(out.nodes)[0] || '';
    return out;
  }

  // Renaming keeps every arrow and the start pointing at the node; the order of the
  // nodes stays. Throws on an id that is not one or is taken.
  function renameNode(flow, from, to) {
    if (from === to) return copy(flow);
    if (!ID.test(to)) throw new Error('bad id');
    if (to in flow.nodes) throw new Error('taken');
    const out = copy(flow);
    const nodes = {};
    for (const [k, v] of Object.entries(out.nodes)) nodes[k === from ? to : k] = v;
    out.nodes = nodes;
    for (const node of Object.values(nodes)) eachRef(node, (h, k) => { if (h[k] === from) h[k] = to; });
    if (out.start === from) out.start = to;
    return out;
  }

  // A node switched to another type keeps its text and the fields both types have.
  function changeType(flow, id, type) {
    const out = copy(flow);
    const old = out.nodes[id] || {};
    const fresh = blankNode(type);
    for (const k of Object.keys(fresh)) if (k !== 'type' && k in old) fresh[k] = old[k];
    out.nodes[id] = fresh;
    return out;
  }

  function addButton(node) {
    const ids = new Set((node.buttons || []).map((b) => b.id));
    let n = (node.buttons || []).length + 1;
    while (ids.has('b' + n)) n++;
    node.buttons = (node.buttons || []).concat([{ id: 'b' + n, title: '', next: '' }]);
    return node;
  }

  // Text from the import box or a file: {flow} or {error} (never throws).
  function parseFlow(text) {
    let data;
    try { data = JSON.parse(String(text || '')); } catch (e) { return { error: 'json' }; }
    if (data && typeof data === 'object' && data.flow && typeof data.flow === 'object') data = data.flow;
    if (!data || typeof data !== 'object' || Array.isArray(data)) return { error: 'shape' };
    if (!data.nodes || typeof data.nodes !== 'object' || Array.isArray(data.nodes)) return { error: 'shape' };
    return { flow: { start: typeof data.start === 'string' ? data.start : '', nodes: data.nodes } };
  }

  function exportText(flow) {
    return JSON.stringify(flow, null, 2) + '\n';
  }

  const exported = {
    TYPES, OPS, VALIDATE, ID, BOX, blankNode, nodeEdges, flowEdges, layers, layout, arrowPath,
    freeId, addNode, removeNode, renameNode, changeType, addButton, parseFlow, exportText, copy,
  };
  if (typeof module !== 'undefined' && module.exports) module.exports = exported;
  if (typeof window !== 'undefined') window.ccFlow = exported;
})();
