'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { makeClient, FakeWebSocket, defaultRoute, flush, widget } = require('./helpers');
const { createWindow, byClass, byTag, all, visible } = require('./fakedom');

test.beforeEach(() => { FakeWebSocket.instances = []; });

const EVIL = '<img src=x onerror="alert(1)"><b>hi</b>';

async function mounted(opts) {
  const o = opts || {};
  const route = (call) => {
    const r = defaultRoute(call);
    if (call.url.endsWith('/config/')) Object.assign(r[1], o.config || {});
    if (o.route) return o.route(call) || r;
    return r;
  };
  const env = makeClient({ route });
  if (o.token !== false) env.storage.setItem('cc_widget_KEY1', JSON.stringify({ token: 'T0' }));
  if (o.history) env.storage.setItem('cc_widget_KEY1_h', JSON.stringify(o.history));
  env.client = new widget.ChatClient(env.opts);
  await env.client.loadConfig();
  const win = createWindow({ language: o.language });
  const ui = new widget.WidgetUI(win, env.client, { lang: o.lang, open: o.open });
  ui.mount(env.client.config);
  env.client.start();
  let ws = null;
  const connect = () => {
    ws = FakeWebSocket.last();
    ws.open();
    ws.push(Object.assign({ type: 'welcome', dialog: 7, session: null, operator: null }, o.welcome));
    return ws;
  };
  if (o.token !== false) connect();
  return Object.assign(env, { win, ui, host: win.document.body.children[0], get ws() { return ws; }, connect });
}

const op = (id, extra) => ({ type: 'message', message: Object.assign({ id, dialog: 7, sender_type: 'operator', sender_name: 'Anna', text: 'hi ' + id, attachments: [], created_at: '2024-05-01T10:00:00Z' }, extra) });
const key = (el, k, extra) => el.dispatch('keydown', Object.assign({ key: k }, extra));

test('mounts in a closed shadow root, styled, with an accessible launcher', async () => {
  const { host, ui } = await mounted();
  assert.equal(host.tagName, 'CC-CHAT-WIDGET');
  const style = byTag(host, 'style')[0];
  assert.match(style.textContent, /\.ln\{/);
  assert.equal(ui.wrap.style['--c'], '#112233');
  assert.equal(ui.wrap.style['--t'], '#fff');
  assert.equal(ui.launcher.getAttribute('aria-label'), 'Open chat');
  assert.equal(ui.launcher.getAttribute('aria-expanded'), 'false');
  assert.ok(ui.panel.hidden);
  for (const b of byTag(host, 'button')) assert.ok(b.getAttribute('aria-label') || b.textContent.trim(), 'every button is labelled');
  assert.equal(byClass(host, 'bb')[0].textContent, 'Hi', 'the greeting');
});

test('markup in names and messages is shown as text', async () => {
  const { ws, host } = await mounted();
  ws.push(op(1, { sender_name: EVIL, text: EVIL + ' https://ok.example/x' }));
  ws.push({ type: 'message', message: { id: 2, sender_type: 'system', text: EVIL } });
  assert.equal(byTag(host, 'img').length, 0);
  assert.equal(byTag(host, 'b').length, 0);
  assert.ok(byClass(host, 'nm').some((e) => e.textContent === EVIL));
  const links = byTag(host, 'a');
  assert.deepEqual(links.map((a) => a.getAttribute('href')), ['https://ok.example/x']);
  assert.equal(links[0].getAttribute('rel'), 'noopener noreferrer nofollow');
  assert.ok(byClass(host, 'nt').some((e) => e.textContent === EVIL));
});

test('attachments: images get a preview, files a link with size, bad urls no link', async () => {
  const { ws, host } = await mounted();
  ws.push(op(1, { text: '', attachments: [
    { id: 1, name: 'pic.png', url: '/media/pic.png', content_type: 'image/png', size: 2048 },
    { id: 2, name: 'doc.pdf', url: 'https://files.example/doc.pdf', content_type: 'application/pdf', size: 1536 },
    { id: 3, name: EVIL, url: 'javascript:alert(1)', content_type: 'image/png', size: 5 },
  ] }));
  const img = byTag(host, 'img');
  assert.equal(img.length, 1);
  assert.equal(img[0].getAttribute('src'), 'https://cc.example.com/media/pic.png');
  assert.equal(img[0].parentNode.getAttribute('target'), '_blank');
  const file = byClass(host, 'fi');
  assert.equal(file[0].getAttribute('href'), 'https://files.example/doc.pdf');
  assert.equal(file[0].textContent, 'doc.pdf (1.5 KB)');
  assert.equal(file[1].tagName, 'SPAN');
  assert.equal(file[1].textContent, EVIL + ' (5 B)');
});

test('unread badge counts operator, bot and system messages while closed; opening clears it', async () => {
  const { ws, ui, client } = await mounted();
  ws.push(op(1));
  ws.push(op(2, { sender_type: 'bot' }));
  ws.push(op(3, { sender_type: 'system' }));
  ws.push(op(4, { sender_type: 'contact' }));
  ws.push(op(3));
  assert.equal(ui.badge.textContent, '3');
  assert.ok(!ui.badge.hidden);
  assert.match(ui.launcher.getAttribute('aria-label'), /3 unread/);
  assert.equal(client.state.unread, 3);
  ui.launcher.click();
  assert.ok(!ui.panel.hidden);
  assert.ok(ui.badge.hidden);
  ws.push(op(5));
  assert.ok(ui.badge.hidden, 'nothing is unread while the panel is open');
});

test('Escape closes the panel and gives focus back to the launcher', async () => {
  const { ui, win } = await mounted();
  ui.launcher.click();
  assert.equal(win.document.activeElement, ui.input, 'opening focuses the composer');
  key(ui.input, 'Escape');
  assert.ok(ui.panel.hidden);
  assert.equal(win.document.activeElement, ui.launcher);
  assert.equal(ui.launcher.getAttribute('aria-expanded'), 'false');
});

test('Enter sends, Shift+Enter does not; the message shows as pending then sent', async () => {
  const { ui, ws, host } = await mounted();
  ui.launcher.click();
  ui.input.value = 'line one';
  let ev = key(ui.input, 'Enter', { shiftKey: true });
  assert.ok(!ev.defaultPrevented);
  assert.equal(ws.frames('message').length, 0);
  ev = key(ui.input, 'Enter');
  assert.ok(ev.defaultPrevented);
  const [sent] = ws.frames('message');
  assert.equal(sent.text, 'line one');
  assert.equal(ui.input.value, '');
  assert.equal(byClass(ui.pend, 'm').length, 1);
  assert.equal(byClass(ui.pend, 'mt')[0].textContent, 'Sending…');
  ws.push({ type: 'ack', client_id: sent.client_id, id: 9 });
  assert.equal(byClass(ui.pend, 'm').length, 0);
  assert.ok(byClass(ui.list, 'me').some((e) => e.textContent.includes('line one')));
  ui.input.value = 'x'.repeat(10001);
  key(ui.input, 'Enter');
  assert.ok(!ui.errEl.hidden);
  assert.match(ui.errEl.textContent, /too long/);
  assert.equal(ws.frames('message').length, 1);
  void host;
});

test('a refused message says why and can be retried', async () => {
  const { ui, ws } = await mounted();
  ui.input.value = 'bad';
  key(ui.input, 'Enter');
  ws.push({ type: 'error', code: 'invalid', detail: 'Not <allowed>' });
  const el = byClass(ui.pend, 'fl')[0];
  assert.match(el.textContent, /Not sent: Not <allowed>/);
  const retry = byTag(el, 'button').find((b) => b.textContent === 'Retry');
  retry.click();
  assert.equal(ws.frames('message').length, 2);
  assert.equal(ws.frames('message')[1].text, 'bad');
});

test('queue, assignment, typing, end of chat and rating (Russian)', async () => {
  const { ui, ws, host } = await mounted({ language: 'ru-RU' });
  ws.push({ type: 'queue', position: 3, estimated_wait_s: 130 });
  assert.ok(!ui.queueEl.hidden);
  assert.equal(ui.queueEl.textContent, 'Перед вами в очереди 2 человека, ожидание — примерно 2 минуты');
  assert.equal(ui.statusEl.textContent, 'Скоро ответим');
  ws.push({ type: 'assigned', operator: { name: 'Анна' } });
  assert.ok(ui.queueEl.hidden);
  assert.ok(byClass(host, 'nt').some((e) => e.textContent === 'Анна подключается к чату'));
  assert.equal(ui.statusEl.textContent, 'Анна · Онлайн');
  ws.push({ type: 'typing', sender_type: 'operator' });
  assert.ok(!ui.typingEl.hidden);
  assert.equal(ui.typingEl.textContent, 'Анна печатает…');
  ws.push(op(5));
  assert.ok(ui.typingEl.hidden, 'a message ends the typing indicator');
  ws.push({ type: 'session.closed', reason: 'transferred' });
  assert.equal(byClass(host, 'stars').length, 0, 'a transfer does not end the chat');
  ws.push({ type: 'session.closed', reason: 'resolved' });
  assert.ok(byClass(host, 'nt').some((e) => e.textContent === 'Чат завершён'));
  const stars = byTag(byClass(host, 'stars')[0], 'button');
  assert.equal(stars.length, 5);
  assert.equal(stars[3].getAttribute('aria-label'), '4 из 5');
  const send = byClass(host, 'sb').find((b) => b.textContent === 'Отправить оценку');
  assert.ok(send.disabled);
  stars[3].click();
  assert.equal(stars[3].getAttribute('aria-pressed'), 'true');
  assert.equal(stars[4].getAttribute('aria-pressed'), 'false');
  byTag(byClass(host, 'bx')[0], 'textarea')[0].value = 'Быстро';
  send.click();
  assert.deepEqual(ws.frames('rating'), [{ type: 'rating', score: 4, comment: 'Быстро' }]);
  assert.ok(byClass(host, 'nt').some((e) => e.textContent === 'Спасибо за отзыв!'));
  assert.equal(byClass(host, 'stars').length, 0);
});

test('bot buttons send the node and button, then are disabled', async () => {
  const { ui, ws } = await mounted();
  ws.push(op(1, { sender_type: 'bot', sender_name: 'Bot', text: 'Pick one', node: 77, buttons: [{ id: 1, title: 'Yes' }, { id: 2, title: EVIL }] }));
  const row = byClass(ui.list, 'ch')[0];
  const [yes, evil] = byTag(row, 'button');
  assert.equal(evil.textContent, EVIL);
  evil.click();
  assert.deepEqual(ws.frames('button'), [{ type: 'button', node: 77, button: 2 }]);
  const after = byTag(byClass(ui.list, 'ch')[0], 'button');
  assert.ok(after.every((b) => b.disabled));
  assert.ok(after[1].classList.contains('on'));
  after[0].click();
  assert.equal(ws.frames('button').length, 1);
  void yes;
});

test('older bot buttons are disabled once the conversation moves on', async () => {
  const { ui, ws } = await mounted();
  ws.push(op(1, { sender_type: 'bot', text: 'Pick', node: 5, buttons: [{ id: 1, title: 'A' }] }));
  assert.ok(!byTag(ui.list, 'button')[0].disabled);
  ws.push(op(2, { text: 'operator here' }));
  assert.ok(byTag(byClass(ui.list, 'ch')[0], 'button')[0].disabled);
});

test('topics are offered as a choice and the pick is sent', async () => {
  const { ui, ws } = await mounted();
  ws.push({ type: 'topics', topics: [{ id: 3, title: 'Billing' }, { id: 4, title: 'Tech' }] });
  const box = byClass(ui.list, 'bx')[0];
  assert.equal(box.children[0].textContent, 'Please choose a topic');
  byTag(box, 'button')[1].click();
  assert.deepEqual(ws.frames('topic'), [{ type: 'topic', topic: 4 }]);
  assert.ok(byTag(box, 'button').every((b) => b.disabled));
});

test('history from storage is on screen before the socket says anything, in id order', async () => {
  const { ui } = await mounted({ token: false, history: { dialog: 7, after: 3, messages: [
    { id: 3, sender_type: 'operator', sender_name: 'Anna', text: 'third' },
    { id: 1, sender_type: 'contact', text: 'first' },
  ] } });
  const texts = byClass(ui.list, 'bb').map((e) => e.textContent);
  assert.deepEqual(texts, ['Hi', 'first', 'third']);
});

test('pre-chat form: local validation, server field errors, then the chat', async () => {
  let answer = [400, { email: ['This address is blocked.'] }];
  const env = await mounted({
    token: false,
    config: { prechat: { enabled: true, fields: [{ name: 'name', required: true }, { name: 'email', required: true }] } },
    route: (call) => (call.url.endsWith('/visitors/') ? answer : null),
  });
  const { ui, host, fetch } = env;
  ui.launcher.click();
  assert.ok(!ui.prechatEl.hidden);
  assert.ok(ui.composer.hidden);
  assert.equal(fetch.calls.filter((c) => c.url.endsWith('/visitors/')).length, 0, 'no visitor before the form');
  const [name, email] = byTag(ui.prechatEl, 'input');
  assert.equal(email.getAttribute('type'), 'email');
  ui.prechatEl.dispatch('submit');
  const errs = () => byClass(ui.prechatEl, 'er').filter(visible).map((e) => e.textContent);
  assert.deepEqual(errs(), ['This field is required.', 'This field is required.']);
  name.value = 'Bob';
  email.value = 'bob@';
  ui.prechatEl.dispatch('submit');
  assert.deepEqual(errs(), ['Enter a valid email address.']);
  assert.equal(email.getAttribute('aria-invalid'), 'true');
  email.value = 'bob@example.com';
  ui.prechatEl.dispatch('submit');
  await flush();
  assert.deepEqual(errs(), ['This address is blocked.']);
  answer = [201, { visitor_token: 'NEW' }];
  ui.prechatEl.dispatch('submit');
  await flush();
  await flush();
  const post = fetch.calls.filter((c) => c.url.endsWith('/visitors/')).at(-1);
  assert.deepEqual(post.body, { name: 'Bob', email: 'bob@example.com', page_url: 'https://shop.example/cart' });
  assert.ok(ui.prechatEl.hidden);
  assert.ok(!ui.composer.hidden);
  assert.match(FakeWebSocket.last().url, /token=NEW$/);
  void host;
});

test('identify() with every required field skips the pre-chat form', async () => {
  const { ui, client, fetch } = await mounted({
    token: false, config: { prechat: { enabled: true, fields: [{ name: 'email', required: true }] } },
  });
  client.identify({ email: 'known@example.com' });
  ui.launcher.click();
  assert.ok(ui.prechatEl.hidden);
  await flush();
  assert.deepEqual(fetch.calls.filter((c) => c.url.endsWith('/visitors/'))[0].body.email, 'known@example.com');
});

test('a proactive invitation opens the panel once, after its delay', async () => {
  const env = await mounted({
    token: false,
    config: { invitations: [{ id: 9, message: 'Can we help with your cart?', delay_s: 7, url_pattern: '/cart', first_visit_only: true }] },
  });
  const { ui, win, client, fetch } = env;
  assert.deepEqual(Array.from(win.timers.values()).map((t) => t.ms), [7000]);
  assert.ok(ui.panel.hidden);
  win.runTimers();
  assert.ok(!ui.panel.hidden);
  assert.ok(byClass(ui.list, 'bb').some((e) => e.textContent === 'Can we help with your cart?'));
  assert.deepEqual(client.shownInvitations(), [9]);
  assert.equal(fetch.calls.filter((c) => c.url.endsWith('/visitors/')).length, 0, 'an invitation creates no visitor');
  assert.notEqual(win.document.activeElement, ui.input, 'an invitation does not steal focus');
  // Another page of the same session: no second invitation.
  const ui2 = new widget.WidgetUI(createWindow(), client, {});
  ui2.mount(client.config);
  assert.equal(ui2.win.timers.size, 0);
});

test('data-open opens the panel without creating a visitor; unavailable hides the composer', async () => {
  const { ui, fetch, client } = await mounted({ token: false, open: true });
  assert.ok(!ui.panel.hidden);
  assert.equal(fetch.calls.filter((c) => c.url.endsWith('/visitors/')).length, 0);
  client.stop();
  assert.ok(ui.composer.hidden);
  assert.equal(ui.statusEl.textContent, 'Chat is unavailable right now.');
});

test('attach: client-side checks, then the upload bubble becomes the message', async () => {
  const { ui, ws, host } = await mounted();
  await ui.sendFile({ name: 'big.png', size: 5000, type: 'image/png' });
  assert.match(ui.errEl.textContent, /too large/);
  await ui.sendFile({ name: 'x.exe', size: 5, type: 'application/octet-stream' });
  assert.match(ui.errEl.textContent, /not allowed/);
  await ui.sendFile({ name: 'ok.png', size: 50, type: 'image/png' });
  assert.equal(byClass(ui.pend, 'm').length, 0);
  assert.ok(byClass(ui.list, 'me').some((e) => e.textContent.includes('ok.png')));
  ws.push({ type: 'message', message: { id: 500, sender_type: 'contact', text: '', client_id: 'whatever', attachments: [{ id: 1, name: 'ok.png', url: '/m/ok.png', content_type: 'image/png', size: 50 }] } });
  assert.equal(byTag(host, 'img').length, 1);
  assert.equal(byClass(ui.list, 'me').length, 1);
});

test('nothing leaks into the page except the host element', async () => {
  const { win } = await mounted();
  assert.equal(win.document.body.childNodes.length, 1);
  assert.equal(all(win.document.body).filter((e) => !e.parentNode).length, 0);
});

test('CSS goes into a constructed stylesheet when the browser has them (host CSP cannot block it)', async () => {
  const env = makeClient();
  await env.client.loadConfig();
  const win = createWindow();
  win.CSSStyleSheet = class { replaceSync(css) { this.css = css; } };
  const ui = new widget.WidgetUI(win, env.client, {});
  ui.mount(env.client.config);
  const root = win.document.body.children[0].shadow;
  assert.equal(root.adoptedStyleSheets.length, 1);
  assert.match(root.adoptedStyleSheets[0].css, /\.ln\{/);
  assert.equal(byTag(win.document.body.children[0], 'style').length, 0);
});

test("a translated bot message shows in the visitor's language, its original on demand (Russian)", async () => {
  const { ui, ws } = await mounted({ lang: 'ru' });
  ws.push(op(1, {
    sender_type: 'bot', sender_name: 'Bot', text: 'Pick one', node: 77, translation_status: 'translated',
    translations: { ru: 'Выберите' }, buttons: [{ id: 'b1', title: 'Delivery', translations: { ru: 'Доставка' } }],
  }));
  const text = () => byClass(ui.list, 'bb')[byClass(ui.list, 'bb').length - 1].textContent;
  const titles = () => byTag(byClass(ui.list, 'ch')[0], 'button').map((b) => b.textContent);
  const swap = () => byClass(ui.list, 'lk')[0];
  assert.equal(text(), 'Выберите');
  assert.deepEqual(titles(), ['Доставка']);
  assert.equal(swap().textContent, 'Показать оригинал');
  swap().click();
  assert.equal(text(), 'Pick one');
  assert.deepEqual(titles(), ['Delivery']);
  assert.equal(swap().textContent, 'Показать перевод');
  byTag(byClass(ui.list, 'ch')[0], 'button')[0].click();
  assert.deepEqual(ws.frames('button'), [{ type: 'button', node: 77, button: 'b1' }]); // the id stays
});

test('a message as written offers no original to show', async () => {
  const { ui, ws } = await mounted();
  ws.push(op(1, { translation_status: 'untranslated', translations: {} }));
  assert.equal(byClass(ui.list, 'lk').length, 0);
});
