/* Leads on the contact card: the list (each lead opens its page) and the small "Create
 * lead" form. */
import { $, h, BOOT, T, S, api, q, toast, page } from './state.js';
import { flattenErrors, results } from './logic.js';

/* ---- leads on the contact card: the list (each lead opens its page) and the small
 * "Create lead" form (title, pipeline, owner). One lead per click: the form is busy
 * while the request runs, and the server answers a repeat with 409 and the lead. */

export function renderLeads(list) {
  const box = $('contact-leads');
  if (!box) return;
  if (!list || !S.open || S.open.token !== S.leadFormFor) hideLeadForm();  // another chat
  if (!list) { box.replaceChildren(); box.parentElement.hidden = true; return; }
  box.parentElement.hidden = false;
  if (!list.length) { box.replaceChildren(h('li', { class: 'empty', text: T.noLeads })); return; }
  box.replaceChildren.apply(box, list.map(function (l) {
    const status = l.status_display || l.status || '';
    const stage = l.stage_name && String(l.stage_name).toLowerCase() !== String(status).toLowerCase() ? l.stage_name : '';
    const title = l.title || '#' + l.id;
    return h('li', { class: 'lead' },
      l.url ? h('a', { class: 'l-title', href: l.url, target: '_blank', rel: 'noopener', text: title }) : h('span', { class: 'l-title', text: title }),
      h('span', { class: 'l-where' },
        h('span', { class: 'pill st-' + String(l.status || '').replace(/[^a-z_]/g, ''), text: status }),
        stage ? h('span', { class: 'l-stage', text: stage }) : null));
  }));
}


export function hideLeadForm() {
  const form = $('lead-form');
  if (form) form.hidden = true;
  if ($('btn-lead')) $('btn-lead').hidden = false;
}

export function leadError(text, link) {
  const err = $('lead-error');
  if (!err) return;
  err.replaceChildren(text, link ? ' ' : '', link ? h('a', { href: link, target: '_blank', rel: 'noopener', text: T.leadOpen }) : '');
  err.hidden = !text;
}

/** "Create lead": opens the form with the contact's name and the chat's channel as
 * the title (plain text the operator may change), the default pipeline and "me". */
export async function createLead() {
  const open = S.open;
  const form = $('lead-form');
  if (!open || open.contactId === null || open.contactId === undefined || !form) return;
  const c = open.contact;
  const s = S.sessions.get(open.sessionId);
  const name = (c && (c.name || c.email || c.phone)) || (s && s.contact_name) || '#' + open.contactId;
  const channel = s && (T['ch_' + s.channel_type] || s.channel_type);
  $('lead-title').value = channel ? name + ' — ' + channel : name;
  const owners = Array.isArray(BOOT.lead_owners) ? BOOT.lead_owners : [];
  $('lead-owner').replaceChildren.apply($('lead-owner'), owners.map(function (o) {
    return h('option', { value: String(o.id), text: o.me ? T.leadMe + ' (' + o.name + ')' : o.name });
  }));
  leadError('');
  S.leadFormFor = open.token;
  form.hidden = false;
  $('btn-lead').hidden = true;
  $('lead-title').focus();
  $('lead-title').select();
  if (S.leadPipelines === null) {
    try { S.leadPipelines = results(await api('GET', 'pipelines/')); } catch (err) { S.leadPipelines = []; }
  }
  const select = $('lead-pipeline');
  select.replaceChildren.apply(select, S.leadPipelines.map(function (p) {
    return h('option', { value: String(p.id), selected: !!p.is_default, text: p.name });
  }));
  select.closest('.lead-field').hidden = !S.leadPipelines.length;
}

export async function submitLead(e) {
  e.preventDefault();
  const open = S.open;
  const submit = $('lead-submit');
  if (S.leadBusy || !open || open.contactId === null || open.contactId === undefined) return;
  if (open.token !== S.leadFormFor) { hideLeadForm(); return; }  // filled for another chat
  const title = $('lead-title').value.trim();
  if (!title) { leadError(T.leadTitleRequired); $('lead-title').focus(); return; }
  const body = { contact: open.contactId, session: open.sessionId, title: title };
  if ($('lead-pipeline').value) body.pipeline = Number($('lead-pipeline').value);
  if ($('lead-owner').value) body.owner = Number($('lead-owner').value);
  S.leadBusy = true;
  submit.disabled = true;
  leadError('');
  try {
    const lead = await api('POST', 'leads/', body);
    hideLeadForm();
    toast(T.leadCreated, 'ok');
    const d = await api('GET', 'leads/' + q({ contact: open.contactId }));
    if (S.open && S.open.token === open.token) renderLeads(results(d));
    return lead;
  } catch (err) {
    if (err && err.status === 409 && err.body && err.body.url) leadError(err.body.detail || '', err.body.url);
    else if (err && err.status === 400 && err.body) leadError(flattenErrors(err.body));
    else page.report(err, 'lead');
  } finally {
    S.leadBusy = false;
    submit.disabled = false;
  }
}
/* ---- end of leads on the contact card */

// what the other panels call (through page: panels never import each other)
Object.assign(page, { renderLeads });
