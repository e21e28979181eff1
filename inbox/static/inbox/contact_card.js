/* The right column: the customer's card (name, e-mail and phone edited in place), the
 * website visitor's context, identities, attributes, earlier sessions, merge
 * suggestions and the contact's timeline. */
import { win, doc, $, h, T, LANG, S, api, q, when, toast, page } from './state.js';
import { upsertSession, visitorLocalTime, shortUrl, fmt, flattenErrors, results, safeUrl } from './logic.js';

/* ---------------------------------------------------------------- the contact card */

export async function loadContact(token) {
  const open = S.open;
  if (!open || open.contactId === null || open.contactId === undefined) return;
  const cid = open.contactId;
  const stillOpen = function () { return S.open && S.open.token === token; };
  api('GET', 'contacts/' + cid + '/').then(function (c) {
    if (stillOpen()) { S.open.contact = c; renderContact(); }
  }, function (err) { if (stillOpen()) page.report(err, 'contact'); });
  api('GET', 'sessions/' + q({ contact: cid, page_size: 20 })).then(function (d) {
    if (stillOpen()) renderEarlier(results(d));
  }, function () { if (stillOpen()) renderEarlier([]); });
  api('GET', 'leads/' + q({ contact: cid })).then(function (d) {
    if (stillOpen()) page.renderLeads(results(d));
  }, function () { if (stillOpen()) page.renderLeads(null); });
  loadIdentity(token, cid);
  loadVisitor(token);
}

export function renderContact() {
  const card = $('contact-body');
  if (!card) return;
  const c = S.open && S.open.contact;
  if (!c) { card.replaceChildren(h('div', { class: 'loading', 'aria-busy': 'true' })); renderEarlier(null); page.renderLeads(null); return; }
  const fields = h('div', { class: 'fields' },
    editableField(c, 'name', T.name), editableField(c, 'email', T.email), editableField(c, 'phone', T.phone));
  const ids = (c.identities || []).map(identityItem);
  const attrs = c.attributes && typeof c.attributes === 'object' ? Object.keys(c.attributes) : [];
  const dl = h('dl', { class: 'attrs' });
  for (const k of attrs) {
    const v = c.attributes[k];
    dl.append(h('dt', { text: k }), h('dd', { text: v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v) }));
  }
  // replaceChildren() would show a null as the text "null": leave absent sections out
  card.replaceChildren(...[cardTitle(c), fields, visitorSection(),
    ids.length ? h('section', { class: 'card-sec' }, h('h3', { text: T.identities }), h('ul', { class: 'ids' }, ...ids)) : null,
    attrs.length ? h('section', { class: 'card-sec' }, h('h3', { text: T.attributes }), dl) : null].filter(Boolean));
}

/* ------------------------------- the contact card: who it is, the website visitor */

/** "Customer #N" (the server's display name) until the customer's name is known. */
export function cardTitle(c) {
  return h('h2', { class: 'card-title', text: c.display_name || c.name || '#' + c.id });
}

/** An identity; a website visitor's is a random id of no use to a person: shown as
 * "Website visitor", the id kept in the tooltip. */
export function identityItem(i) {
  const label = h('span', { class: 'ch-label', text: T['ch_' + i.channel_type] || i.channel_type });
  if (i.channel_type === 'widget') return h('li', { title: i.external_id }, label, h('span', { text: T.widgetVisitor }));
  return h('li', null, label, h('span', { class: 'mono', text: i.external_id }));
}

export function loadVisitor(token) {
  const open = S.open;
  if (!open || open.dialogId === null || open.dialogId === undefined) return;
  const s = S.sessions.get(open.sessionId);
  if (s && s.channel_type && s.channel_type !== 'widget') { open.visitor = null; return; }
  api('GET', 'dialogs/' + open.dialogId + '/visitor/').then(function (v) {
    if (S.open && S.open.token === token) { S.open.visitor = v; renderContact(); }
  }, function () { /* not a website chat, or gone: no section */ });
}

export function onVisitorUpdated(ev) {
  if (!S.open || ev.dialog !== S.open.dialogId || !ev.visitor) return;
  S.open.visitor = ev.visitor;
  if (S.open.contact) renderContact();
}

export function visitorRow(label, value, cls) {
  return [h('dt', { text: label }), h('dd', { class: cls || null }, value)];
}

export function visitorLink(url, text) {
  const safe = safeUrl(url);
  if (!safe || !/^https?:/i.test(safe)) return h('span', { text: text || url || '' });
  return h('a', { href: safe, target: '_blank', rel: 'noopener noreferrer nofollow', title: url, text: text || shortUrl(url) });
}

export function visitorSection() {
  const v = S.open && S.open.visitor;
  if (!v) return null;
  const dl = h('dl', { class: 'attrs visitor-ctx' });
  if (v.page_url) dl.append(...visitorRow(T.vPage, visitorLink(v.page_url, v.page_title ? v.page_title + ' · ' + shortUrl(v.page_url, 40) : ''), 'v-page'));
  dl.append(...visitorRow(T.vReferrer, v.referrer ? visitorLink(v.referrer) : h('span', { class: 'muted', text: T.vDirect }), 'v-referrer'));
  if (v.browser || v.user_agent) dl.append(...visitorRow(T.vBrowser, h('span', { title: v.user_agent || '', text: v.browser || shortUrl(v.user_agent, 60) }), 'v-browser'));
  if (v.language) dl.append(...visitorRow(T.vLanguage, h('span', { text: v.language }), 'v-language'));
  const local = visitorLocalTime(Date.now(), v.time_zone, v.utc_offset_min, LANG);
  if (local) dl.append(...visitorRow(T.vLocalTime, h('span', { class: 'v-clock', text: local }), 'v-time'));
  return h('section', { class: 'card-sec visitor-sec' }, h('h3', { text: T.visitorSec }), dl);
}

/** The visitor's clock in the card moves on by itself. */
export function tickVisitorClock() {
  const v = S.open && S.open.visitor;
  const el = doc.querySelector('#contact-body .v-clock');
  if (v && el) el.textContent = visitorLocalTime(Date.now(), v.time_zone, v.utc_offset_min, LANG);
}

export function editableField(contact, field, label) {
  const value = contact[field] || '';
  const err = h('p', { class: 'field-error', hidden: true });
  const wrap = h('div', { class: 'field' }, h('span', { class: 'label', text: label }));
  const show = h('button', {
    type: 'button', class: 'value editable' + (value ? '' : ' unset'), title: T.clickToEdit,
    text: value || T.notSet,
  });
  field === 'name' && show.classList.add('name');
  show.addEventListener('click', function () {
    const input = h('input', { type: field === 'email' ? 'email' : field === 'phone' ? 'tel' : 'text', value: value, 'aria-label': label, title: T.editHint });
    input.value = value;
    let busy = false;
    input.addEventListener('keydown', async function (e) {
      if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); renderContact(); return; }
      if (e.key !== 'Enter' || busy) return;
      e.preventDefault();
      if (input.value === value) { renderContact(); return; }
      busy = true;
      err.hidden = true;
      try {
        const updated = await api('PATCH', 'contacts/' + contact.id + '/', { [field]: input.value.trim() });
        if (S.open && S.open.contactId === contact.id) S.open.contact = updated;
        S.cannedCache.clear(); // placeholders filled with the old details
        if (field === 'name') {
          for (const s of S.sessions.values()) if (s.contact === contact.id) { s.contact_name = updated.display_name || updated.name; s.contact_anonymous = !(updated.name || updated.email || updated.phone); }
          page.render();
        }
        renderContact();
        toast(T.saved, 'ok');
      } catch (e2) {
        busy = false;
        if (e2.status === 400 && e2.body) {
          err.textContent = flattenErrors(e2.body[field] || e2.body);
          err.hidden = false;
          input.setAttribute('aria-invalid', 'true');
          input.focus();
        } else page.report(e2, 'contact');
      }
    });
    show.replaceWith(input);
    input.focus();
    input.select();
  });
  wrap.append(show, err);
  return wrap;
}

export function renderEarlier(list) {
  const box = $('contact-sessions');
  if (!box) return;
  if (list === null) { box.replaceChildren(); box.parentElement.hidden = true; return; }
  box.parentElement.hidden = false;
  const openDialog = S.open && S.open.dialogId;
  const others = list.filter(function (s) { return !(S.open && s.id === S.open.sessionId); });
  if (!others.length) { box.replaceChildren(h('li', { class: 'empty', text: T.noEarlier })); return; }
  box.replaceChildren.apply(box, others.map(function (s) {
    const status = s.status === 'closed' ? (T['reason_' + s.close_reason] || T.status_closed) : T['status_' + s.status];
    return h('li', null, h('button', { type: 'button', class: 'earlier' + (s.dialog === openDialog ? ' same' : ''), onclick: function () { upsertSession(S.sessions, s); page.openSession(s.id); } },
      page.channelBadge(s),
      h('span', { class: 'e-main' },
        h('span', { class: 'e-top', text: [s.group_name, s.topic_title].filter(Boolean).join(' · ') || fmt(T.sessionN, { id: s.id }) }),
        h('span', { class: 'e-sub', text: [when(s.created_at), status, s.operator_name].filter(Boolean).join(' · ') }))));
  }));
}



/* ------------------------------------- the contact card: merge suggestions, timeline */

/** The open contact's timeline again, once a burst of session changes is over (a
 * transfer closes one session and opens another). */
export function contactTimelineSoon() {
  win.clearTimeout(S.timelineTimer);
  S.timelineTimer = win.setTimeout(function () {
    if (S.open && S.open.contactId) loadIdentity(S.open.token, S.open.contactId);
  }, 300);
}

export function loadIdentity(token, cid) {
  const stillOpen = function () { return S.open && S.open.token === token; };
  api('GET', 'contacts/' + cid + '/merge-suggestions/').then(function (d) {
    if (stillOpen()) renderSuggestions(cid, results(d), token);
  }, function () { if (stillOpen()) renderSuggestions(cid, null, token); });
  api('GET', 'contacts/' + cid + '/timeline/').then(function (d) {
    if (stillOpen()) renderContactTimeline(results(d));
  }, function () { if (stillOpen()) renderContactTimeline(null); });
}

export function renderSuggestions(cid, list, token) {
  const box = $('contact-suggestions');
  if (!box) return;
  if (!list || !list.length) { box.replaceChildren(); box.parentElement.hidden = true; return; }
  box.parentElement.hidden = false;
  box.replaceChildren.apply(box, list.map(function (sg) {
    const other = sg.contact === cid ? { id: sg.candidate, name: sg.candidate_name } : { id: sg.contact, name: sg.contact_name };
    const base = 'contacts/' + cid + '/merge-suggestions/' + sg.id + '/';
    const act = async function (what) {
      try {
        const result = await api('POST', base + what + '/');
        if (what === 'merge' && S.open && S.open.token === token) {
          for (const s of S.sessions.values()) if (s.contact === cid || s.contact === other.id) { s.contact = result.id; s.contact_name = result.display_name || result.name; s.contact_anonymous = !(result.name || result.email || result.phone); }
          S.open.contactId = result.id;
          S.open.contact = result;
          renderContact();
          page.render();
          loadContact(token);
          toast(T.mergedOk, 'ok');
        } else if (S.open && S.open.token === token) loadIdentity(token, cid);
      } catch (err) { page.report(err, 'contact'); }
    };
    return h('li', { class: 'suggestion' },
      h('span', { class: 's-text', text: fmt(T.sameAs, { name: other.name || '#' + other.id }) + ' · ' + (T['reasonSame_' + sg.reason] || sg.reason) }),
      h('span', { class: 's-actions' },
        h('button', { type: 'button', class: 'btn-primary btn-small', text: T.merge, onclick: function () { act('merge'); } }),
        h('button', { type: 'button', class: 'btn-ghost btn-small', text: T.dismiss, onclick: function () { act('dismiss'); } })));
  }));
}

export function renderContactTimeline(list) {
  const box = $('contact-timeline');
  if (!box) return;
  if (!list || !list.length) { box.replaceChildren(); box.parentElement.hidden = true; return; }
  box.parentElement.hidden = false;
  box.replaceChildren.apply(box, list.map(function (e) {
    const status = e.status === 'closed' ? (T['reason_' + e.close_reason] || T.status_closed) : T['status_' + e.status];
    return h('li', { class: 'timeline-entry' }, page.channelBadge(e),
      h('span', { class: 'e-main' },
        h('span', { class: 'e-top', text: [when(e.created_at), e.group_name, status, e.operator_name].filter(Boolean).join(' · ') }),
        h('span', { class: 'e-sub', text: String(e.first_message_text || '').replace(/\s+/g, ' ').slice(0, 140) })));
  }));
}

// what the other panels call (through page: panels never import each other)
Object.assign(page, { contactTimelineSoon, loadContact, onVisitorUpdated, renderContact });
