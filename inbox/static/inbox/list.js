/* The left column: my chats, the queues (expand, take), the supervisors' team view and
 * the recently closed chats; render() redraws the page's lists and chat bits. */
import { win, doc, $, h, T, LANG, S, api, when, toast, page } from './state.js';
import { formatWait, waitBadge, deriveLists, unreadTotal, titleWithUnread, contactName, fmt, parseTime } from './logic.js';

/* ---------------------------------------------------------------- rendering: lists */

export function render() {
  if (S.renderQueued) return;
  S.renderQueued = true;
  const run = function () { S.renderQueued = false; renderLists(); page.renderHeader(); page.renderComposer(); page.renderTyping(); page.renderChatLabels(); };
  if (win.requestAnimationFrame && !doc.hidden) win.requestAnimationFrame(run);
  else win.setTimeout(run, 0);
}

export function channelBadge(s) {
  const type = String(s.channel_type || 'widget');
  const short = { widget: 'Web', telegram: 'TG', whatsapp: 'WA', email: '@', api: 'API' }[type] || type.slice(0, 3);
  return h('span', { class: 'ch ch-' + type.replace(/[^a-z]/g, ''), title: (T['ch_' + type] || type) + (s.channel_name ? ' · ' + s.channel_name : ''), text: short });
}

export function previewText(m) {
  if (!m) return '';
  const text = String(m.text || '').replace(/\s+/g, ' ').trim();
  if (text) return text.length > 120 ? text.slice(0, 119) + '…' : text;
  return m.attachments && m.attachments.length ? T.attachment : '';
}

export function chatItem(s, opts) {
  const now = Date.now();
  const o = opts || {};
  const wait = o.noWait ? null : waitBadge(s, now, LANG);
  const unread = Number(s.unread_count) || 0;
  const active = S.open && S.open.sessionId === s.id;
  const last = s.last_message;
  const prefix = last && last.sender_type === 'operator' ? T.you + ': ' : '';
  const btn = h('button', { type: 'button', class: 'chat-btn', onclick: function () { page.openSession(s.id); } },
    channelBadge(s),
    h('span', { class: 'ci-main' },
      h('span', { class: 'ci-top' },
        h('span', { class: 'ci-name', text: contactName(s, T) }),
        o.right ? h('span', { class: 'ci-right', text: o.right }) : null,
        wait ? h('span', { class: 'ci-wait sla-' + wait.level, text: wait.text }) : null),
      h('span', { class: 'ci-preview', text: o.sub || (prefix + previewText(last)) }), page.labelDots(s)),
    unread > 0 && !o.noUnread ? h('span', { class: 'badge', 'aria-label': fmt(T.unreadN, { n: unread }), text: unread > 99 ? '99+' : unread }) : null);
  if (active) btn.setAttribute('aria-current', 'true');
  const sla = page.slaMark ? page.slaMark(s) : null;
  const li = h('li', { class: 'chat-item' + (active ? ' active' : '') + (unread && !o.noUnread ? ' unread' : '') + (sla ? ' sla-alert-' + sla : ''), dataset: { id: s.id } }, btn);
  if (sla) btn.append(h('span', { class: 'sla-flag sla-flag-' + sla, title: T['slaFlag_' + sla], 'aria-label': T['slaFlag_' + sla], text: '!' }));
  if (o.action) li.append(o.action);
  return li;
}

export function fill(listId, items, emptyText) {
  const ul = $(listId);
  if (!ul) return;
  if (!items.length && emptyText) ul.replaceChildren(h('li', { class: 'empty', text: emptyText }));
  else ul.replaceChildren.apply(ul, items);
}

export function renderLists() {
  if (!S.me) return;
  const lists = deriveLists(S.sessions, S.me);
  fill('list-mine', lists.mine.map(function (s) { return chatItem(s); }), T.noChats);
  setCount('count-mine', lists.mine.length + (S.me.max_sessions ? ' / ' + S.me.max_sessions : ''));
  fill('list-closed', lists.closed.map(function (s) {
    return chatItem(s, { noWait: true, noUnread: true, right: when(s.closed_at), sub: T['reason_' + s.close_reason] || T.status_closed });
  }), T.noClosed);
  renderQueues(lists.queued);
  const team = $('sec-team');
  const supervises = !!(S.me.supervised_groups && S.me.supervised_groups.length);
  if (team) team.hidden = !supervises;
  if (supervises) {
    fill('list-team', lists.team.map(function (s) {
      return chatItem(s, { noUnread: true, sub: (s.operator_name || T.unassigned) + ' · ' + (s.group_name || '') });
    }), T.noTeam);
    setCount('count-team', lists.team.length);
  }
  const total = unreadTotal(lists.mine);
  doc.title = titleWithUnread(T.inbox, total);
}

/** ``?view=team``: brings the supervisors' live view to the front. */
export function showTeam() {
  const sec = $('sec-team');
  if (!sec || !S.me || !(S.me.supervised_groups && S.me.supervised_groups.length)) {
    toast(T.noTeamGroups, 'info');
    return;
  }
  const nav = sec.parentElement;
  if (nav && nav.firstElementChild !== sec) nav.insertBefore(sec, nav.firstElementChild);
  sec.classList.add('focused');
  if (sec.scrollIntoView) sec.scrollIntoView({ block: 'start' });
}

export function setCount(id, value) {
  const el = $(id);
  if (el) el.textContent = String(value);
}

export function renderQueues(queuedByGroup) {
  const ul = $('list-queues');
  if (!ul) return;
  const now = Date.now();
  const rows = Array.from(S.queues.values()).sort(function (a, b) { return String(a.name).localeCompare(String(b.name)); });
  if (!rows.length) { ul.replaceChildren(h('li', { class: 'empty', text: T.noQueue })); return; }
  let waiting = 0;
  ul.replaceChildren.apply(ul, rows.map(function (row) {
    const size = Number(row.size) || 0;
    waiting += size;
    const open = S.expanded.has(row.group);
    const oldest = parseTime(row.oldest_queued_at);
    const head = h('button', {
      type: 'button', class: 'queue-head', 'aria-expanded': open ? 'true' : 'false', title: T.showQueued,
      onclick: function () { toggleQueue(row.group); },
    },
    h('span', { class: 'caret', 'aria-hidden': 'true', text: open ? '▾' : '▸' }),
    h('span', { class: 'q-name', text: row.name || '#' + row.group }),
    h('span', { class: 'q-size' + (size ? ' busy' : ''), text: fmt(T.waitingN, { n: size }) }),
    size && oldest !== null ? h('span', { class: 'q-oldest', text: fmt(T.longestWait, { t: formatWait((now - oldest) / 1000, LANG) }) }) : null);
    const li = h('li', { class: 'queue' + (open ? ' open' : '') }, head);
    if (open) {
      const queued = queuedByGroup.get(row.group) || [];
      const sub = h('ul', { class: 'chat-list nested' });
      if (!queued.length) sub.append(h('li', { class: 'empty', text: T.noQueue }));
      for (const s of queued) {
        const since = parseTime(s.queued_at);
        sub.append(chatItem(s, {
          noUnread: true, noWait: true, right: since !== null ? formatWait((now - since) / 1000, LANG) : '',
          action: h('button', { type: 'button', class: 'btn-small take', text: T.take, onclick: function (e) { e.stopPropagation(); page.takeSession(s.id); } }),
        }));
      }
      li.append(sub);
    }
    return li;
  }));
  setCount('count-queues', waiting);
}

export function toggleQueue(groupId) {
  if (S.expanded.has(groupId)) { S.expanded.delete(groupId); renderLists(); return; }
  S.expanded.add(groupId);
  renderLists();
  page.loadQueued(groupId).then(renderLists, function (err) { page.report(err, 'load'); });
}

// what the other panels call (through page: panels never import each other)
Object.assign(page, { channelBadge, chatItem, fill, previewText, render, renderLists, setCount });
