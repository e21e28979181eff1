// The bot page of the admin: the picture of the flow, drawn as SVG from the flow
// (boxes with the node's id, type and text; labelled arrows for every way on).
// diagramModel is pure (tests/adminjs/); renderDiagram builds the SVG with createElement.
(function () {
  'use strict';

  const F = typeof require === 'function' && typeof module !== 'undefined'
    ? require('./flow_model.js')
    : window.ccFlow;
  const SVG = 'http://www.w3.org/2000/svg';

  function short(text, max) {
    const t = String(text === null || text === undefined ? '' : text).replace(/\s+/g, ' ').trim();
    return t.length > max ? t.slice(0, max - 1) + '…' : t;
  }

  // What a box says under its id: the text a customer sees, or what the node does.
  function boxText(node, texts) {
    if (!node || typeof node !== 'object') return '';
    if (node.text) return short(node.text, 28);
    if (node.type === 'set') return short((node.field || '') + ' = ' + JSON.stringify(node.value === undefined ? '' : node.value), 28);
    if (node.type === 'handoff') return node.group === null || node.group === undefined ? (texts.default_group || 'default group') : '#' + node.group;
    return '';
  }

  // The arrow's label: a button's title, a rule, or the name of the way (fail, else...).
  function arrowLabel(edge, texts) {
    if (edge.kind === 'button' || edge.kind === 'rule') return short(edge.label, 22);
    if (edge.kind === 'next') return '';
    return texts['arrow_' + edge.kind] || edge.kind;
  }

  // Everything the picture shows, positioned: {width, height, boxes, arrows}.
  function diagramModel(flow, texts) {
    const t = texts || {};
    const nodes = (flow && flow.nodes) || {};
    const placed = F.layout(flow);
    const boxes = Object.entries(placed.boxes).map(([id, b]) => ({
      id, x: b.x, y: b.y, w: b.w, h: b.h, reached: b.reached,
      type: (nodes[id] && nodes[id].type) || '?',
      typeLabel: (t.types && t.types[nodes[id] && nodes[id].type]) || (nodes[id] && nodes[id].type) || '?',
      text: boxText(nodes[id], t),
      isStart: flow && flow.start === id,
    }));
    const seen = {};
    const arrows = F.flowEdges(flow).filter((e) => e.known).map((e) => {
      const pair = e.from + '>' + e.to;
      seen[pair] = (seen[pair] || 0) + 1;
      const way = F.arrowPath(placed.boxes[e.from], placed.boxes[e.to], seen[pair] - 1);
      return { from: e.from, to: e.to, kind: e.kind, label: arrowLabel(e, t), d: way.d, lx: way.lx, ly: way.ly };
    });
    const right = Math.max(placed.width, ...arrows.map((a) => a.lx + 60));
    return { width: right, height: placed.height, boxes, arrows };
  }

  function svgEl(doc, tag, attrs, text) {
    const node = doc.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function drawBox(doc, b, onPick) {
    const cls = 'cc-fd-box cc-fd-' + b.type + (b.isStart ? ' cc-fd-start' : '') + (b.reached ? '' : ' cc-fd-unreached');
    const g = svgEl(doc, 'g', { class: cls, 'data-node': b.id, tabindex: 0, role: 'button' });
    g.appendChild(svgEl(doc, 'rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 8 }));
    g.appendChild(svgEl(doc, 'text', { x: b.x + 10, y: b.y + 18, class: 'cc-fd-id' }, short(b.id, 18)));
    g.appendChild(svgEl(doc, 'text', { x: b.x + b.w - 10, y: b.y + 18, class: 'cc-fd-type', 'text-anchor': 'end' }, b.typeLabel));
    g.appendChild(svgEl(doc, 'text', { x: b.x + 10, y: b.y + 42, class: 'cc-fd-text' }, b.text));
    const pick = () => onPick && onPick(b.id);
    g.addEventListener('click', pick);
    g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); pick(); } });
    return g;
  }

  function drawArrow(doc, a) {
    const g = svgEl(doc, 'g', { class: 'cc-fd-arrow cc-fd-' + a.kind, 'data-from': a.from, 'data-to': a.to });
    g.appendChild(svgEl(doc, 'path', { d: a.d, 'marker-end': 'url(#cc-fd-head)' }));
    if (a.label) g.appendChild(svgEl(doc, 'text', { x: a.lx, y: a.ly - 3, 'text-anchor': 'middle', class: 'cc-fd-label' }, a.label));
    return g;
  }

  function arrowHead(doc) {
    const defs = svgEl(doc, 'defs');
    const marker = svgEl(doc, 'marker', { id: 'cc-fd-head', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    marker.appendChild(svgEl(doc, 'path', { d: 'M0,0 L10,5 L0,10 z' }));
    defs.appendChild(marker);
    return defs;
  }

  // Replaces the content of `holder` with the picture; onPick(id) on a box's click.
  function renderDiagram(doc, holder, model, onPick) {
    const svg = svgEl(doc, 'svg', {
      class: 'cc-fd', width: model.width, height: model.height,
      viewBox: `0 0 ${model.width} ${model.height}`, role: 'img',
    });
    svg.appendChild(arrowHead(doc));
    for (const a of model.arrows) svg.appendChild(drawArrow(doc, a));
    for (const b of model.boxes) svg.appendChild(drawBox(doc, b, onPick));
    while (holder.firstChild) holder.removeChild(holder.firstChild);
    holder.appendChild(svg);
    return svg;
  }

  const exported = { diagramModel, renderDiagram, boxText, arrowLabel };
  if (typeof module !== 'undefined' && module.exports) module.exports = exported;
  if (typeof window !== 'undefined') window.ccFlowDiagram = exported;
})();
