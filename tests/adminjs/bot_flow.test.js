// The bot builder's pure parts: the flow's arrows, the diagram's layout and the edits
// (bots/static/admin/bots/bot/flow_model.js, flow_diagram.js). Run: node --test tests/adminjs/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const F = require(path.join(__dirname, '../../bots/static/admin/bots/bot/flow_model.js'));
const D = require(path.join(__dirname, '../../bots/static/admin/bots/bot/flow_diagram.js'));
const E = require(path.join(__dirname, '../../bots/static/admin/bots/bot/flow_editor.js'));
const P = require(path.join(__dirname, '../../bots/static/admin/bots/bot/flow_page.js'));

function contractFlow() {
  return {
    start: 'hello',
    nodes: {
      hello: { type: 'message', text: 'Hi!', next: 'menu' },
      menu: { type: 'buttons', text: 'What about?', buttons: [
        { id: 'b1', title: 'Delivery', next: 'kb' },
        { id: 'b2', title: 'Sales', next: 'email' },
        { id: 'b3', title: 'Nothing, thanks', next: 'bye' }] },
      email: { type: 'input', text: 'Your e-mail?', field: 'email', validate: 'email', error_text: 'No', max_attempts: 3, next: 'is_vip', fail_next: 'to_sales' },
      is_vip: { type: 'condition', rules: [{ field: 'contact.attributes.vip', op: 'equals', value: true, next: 'to_vip' }], else: 'to_sales' },
      kb: { type: 'faq', next: 'menu', no_match_next: 'to_support' },
      to_sales: { type: 'handoff', group: 1, text: 'Connecting you to sales' },
      to_vip: { type: 'handoff', group: 2, priority: 10 },
      to_support: { type: 'handoff', group: null },
      bye: { type: 'end', text: 'Glad to help!' },
    },
  };
}

test('every way on from a node is an arrow, labelled by what leads there', () => {
  const edges = F.flowEdges(contractFlow());
  const of = (from) => edges.filter((e) => e.from === from).map((e) => [e.to, e.kind, e.label]);
  assert.deepEqual(of('menu'), [['kb', 'button', 'Delivery'], ['email', 'button', 'Sales'], ['bye', 'button', 'Nothing, thanks']]);
  assert.deepEqual(of('email'), [['is_vip', 'next', ''], ['to_sales', 'fail_next', '']]);
  assert.deepEqual(of('is_vip'), [['to_vip', 'rule', 'contact.attributes.vip equals true'], ['to_sales', 'else', '']]);
  assert.deepEqual(of('kb'), [['menu', 'next', ''], ['to_support', 'no_match_next', '']]);
  assert.deepEqual(of('bye'), []);
  assert.equal(edges.length, 10);
});

test('an arrow to a node that does not exist is marked, an empty one is no arrow', () => {
  const flow = { start: 'a', nodes: { a: { type: 'message', text: 'x', next: 'ghost' }, b: { type: 'message', text: 'y', next: '' } } };
  assert.deepEqual(F.flowEdges(flow).map((e) => [e.from, e.to, e.known]), [['a', 'ghost', false]]);
  assert.deepEqual(D.diagramModel(flow, {}).arrows, [], 'no arrow is drawn into nothing');
});

test('the layout puts the start on top and each node one row below its first way in', () => {
  const placed = F.layout(contractFlow());
  const row = (id) => placed.boxes[id].row;
  assert.equal(row('hello'), 0);
  assert.equal(row('menu'), 1);
  assert.deepEqual(['kb', 'email', 'bye'].map(row), [2, 2, 2]);
  assert.deepEqual(['is_vip', 'to_sales', 'to_support'].map(row), [3, 3, 3]);
  assert.equal(row('to_vip'), 4);
  assert.ok(placed.boxes.menu.y > placed.boxes.hello.y);
});

test('boxes of one row never overlap and the picture holds them all', () => {
  const placed = F.layout(contractFlow());
  const boxes = Object.values(placed.boxes);
  for (const a of boxes) {
    assert.ok(a.x >= 0 && a.x + a.w <= placed.width && a.y + a.h <= placed.height);
    for (const b of boxes) {
      if (a === b || a.row !== b.row) continue;
      assert.ok(a.x + a.w <= b.x || b.x + b.w <= a.x, 'overlap in a row');
    }
  }
});

test('a row follows the order of its parents above, so arrows do not cross', () => {
  const flow = { start: 'm', nodes: {
    m: { type: 'buttons', text: '?', buttons: [{ id: 'b1', title: 'L', next: 'left' }, { id: 'b2', title: 'R', next: 'right' }] },
    right: { type: 'message', text: 'r', next: 'r2' },
    left: { type: 'message', text: 'l', next: 'l2' },
    r2: { type: 'end', text: '' },
    l2: { type: 'end', text: '' },
  } };
  const b = F.layout(flow).boxes;
  assert.ok(b.l2.x < b.r2.x, 'the child of the left node stays on the left');
});

test('a node nothing reaches sits apart below the rest and is marked', () => {
  const flow = contractFlow();
  flow.nodes.lost = { type: 'end', text: 'never' };
  const placed = F.layout(flow);
  assert.equal(placed.boxes.lost.reached, false);
  assert.equal(placed.boxes.lost.row, 5);
  const model = D.diagramModel(flow, {});
  assert.equal(model.boxes.find((b) => b.id === 'lost').reached, false);
});

test('the diagram model shows the type, the text, the start and labelled arrows', () => {
  const texts = { types: { buttons: 'Buttons' }, arrow_fail_next: 'if it fails', arrow_else: 'else', arrow_no_match_next: 'no answer', default_group: 'default group' };
  const model = D.diagramModel(contractFlow(), texts);
  const menu = model.boxes.find((b) => b.id === 'menu');
  assert.equal(menu.typeLabel, 'Buttons');
  assert.equal(menu.text, 'What about?');
  assert.equal(model.boxes.find((b) => b.id === 'hello').isStart, true);
  assert.equal(model.boxes.find((b) => b.id === 'to_support').text, 'default group');
  const labels = model.arrows.map((a) => a.label);
  for (const l of ['Delivery', 'Sales', 'Nothing, thanks', 'if it fails', 'else', 'no answer']) assert.ok(labels.includes(l), l);
  const back = model.arrows.find((a) => a.from === 'kb' && a.to === 'menu');
  assert.match(back.d, /^M[\d.]+,[\d.]+ C/, 'a way back up is a curve');
  assert.ok(model.width >= back.lx, 'the picture is wide enough for the curve');
});

test('long texts are cut to fit the box', () => {
  assert.equal(D.boxText({ type: 'message', text: 'x'.repeat(50) }, {}).length, 28);
  assert.equal(D.boxText({ type: 'set', field: 'attributes.plan', value: 'gold' }, {}), 'attributes.plan = "gold"');
});

test('adding a node gives it a free id and the fields of its type; the first one is the start', () => {
  let { flow, id } = F.addNode({ start: '', nodes: {} }, 'buttons');
  assert.equal(id, 'buttons');
  assert.equal(flow.start, 'buttons');
  assert.deepEqual(flow.nodes.buttons, { type: 'buttons', text: '', buttons: [] });
  ({ flow, id } = F.addNode(flow, 'buttons'));
  assert.equal(id, 'buttons_2');
  assert.equal(flow.start, 'buttons');
  assert.deepEqual(Object.keys(F.blankNode('input')).sort(), ['error_text', 'field', 'max_attempts', 'next', 'text', 'type', 'validate']);
  assert.throws(() => F.blankNode('teleport'));
});

test('renaming a node keeps every arrow, the start and the order', () => {
  const flow = F.renameNode(contractFlow(), 'to_sales', 'sales');
  assert.deepEqual(Object.keys(flow.nodes).indexOf('sales'), 5);
  assert.equal(flow.nodes.email.fail_next, 'sales');
  assert.equal(flow.nodes.is_vip.else, 'sales');
  const again = F.renameNode(flow, 'hello', 'hi');
  assert.equal(again.start, 'hi');
  assert.equal(contractFlow().start, 'hello');
  assert.throws(() => F.renameNode(flow, 'menu', 'kb'), /taken/);
  assert.throws(() => F.renameNode(flow, 'menu', 'no spaces'), /bad id/);
});

test('removing a node empties the arrows into it and moves the start if needed', () => {
  const flow = F.removeNode(contractFlow(), 'menu');
  assert.ok(!('menu' in flow.nodes));
  assert.equal(flow.nodes.hello.next, '');
  assert.equal(flow.nodes.kb.next, '');
  const noStart = F.removeNode(flow, 'hello');
  assert.equal(noStart.start, 'email');
});

test('switching a type keeps the text and the shared fields', () => {
  const flow = F.changeType(contractFlow(), 'hello', 'buttons');
  assert.deepEqual(flow.nodes.hello, { type: 'buttons', text: 'Hi!', buttons: [] });
  const back = F.changeType(contractFlow(), 'email', 'message');
  assert.deepEqual(back.nodes.email, { type: 'message', text: 'Your e-mail?', next: 'is_vip' });
});

test('a new button gets an id of its own', () => {
  const node = { type: 'buttons', text: '', buttons: [{ id: 'b2', title: 'x', next: '' }] };
  F.addButton(node);
  F.addButton(node);
  assert.deepEqual(node.buttons.map((b) => b.id), ['b2', 'b3', 'b4']);
});

test('import takes a flow or a whole bot export and refuses anything else', () => {
  assert.deepEqual(F.parseFlow(F.exportText(contractFlow())).flow, contractFlow());
  assert.deepEqual(F.parseFlow(JSON.stringify({ name: 'x', flow: contractFlow() })).flow, contractFlow());
  assert.equal(F.parseFlow('{nope').error, 'json');
  assert.equal(F.parseFlow('[1, 2]').error, 'shape');
  assert.equal(F.parseFlow('{"start": "a"}').error, 'shape');
  assert.equal(F.parseFlow('').error, 'json');
});

test('a typed value keeps true, false, null and numbers as such, the rest as text', () => {
  assert.deepEqual(['true', ' 5 ', '-2.5', 'null', 'gold', '5 apples', ''].map(E.typedValue), [true, 5, -2.5, null, 'gold', '5 apples', '']);
  assert.deepEqual([true, 5, 'gold', null, undefined].map(E.shownValue), ['true', '5', 'gold', 'null', '']);
});

test('the simulated customer has only what the admin typed', () => {
  assert.deepEqual(P.contactFrom({ name: ' ', email: 'a@b.example', phone: '', attributes: '' }, E.typedValue), { email: 'a@b.example' });
  const vip = P.contactFrom({ name: 'Ann', attributes: 'vip: true\nplan: gold\nnonsense\n: x' }, E.typedValue);
  assert.deepEqual(vip, { name: 'Ann', attributes: { vip: true, plan: 'gold' } });
});

test('the customer can press only the buttons of the last bot message while it waits', () => {
  const buttons = [{ id: 'b1', title: 'Delivery' }];
  const waiting = { outcome: 'waiting', transcript: [{ from: 'bot', text: '?', buttons }] };
  assert.deepEqual(P.pressable(waiting), buttons);
  assert.deepEqual(P.pressable({ outcome: 'end', transcript: waiting.transcript }), []);
  assert.deepEqual(P.pressable({ outcome: 'waiting', transcript: [...waiting.transcript, { from: 'contact', text: 'x' }] }), []);
  assert.deepEqual(P.pressable(null), []);
});
