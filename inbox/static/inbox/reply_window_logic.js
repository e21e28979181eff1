/* WhatsApp's 24-hour window, as pure logic (tested under Node in tests/inboxjs/): when a
 * free-form reply may go out, and the approved templates the operator may send instead. */

export const WINDOW_MS = 24 * 3600 * 1000;
const WINDOWED = { whatsapp: WINDOW_MS };

/** Whether a free-form reply in ``session`` may no longer go out at ``now`` (ms): on a
 * channel with a window, when the contact's last message is older than it, or when the
 * server refused a reply as ``window_closed`` since that message (``refusedAt``: the
 * ``last_contact_message_at`` the refusal saw). */
export function windowClosed(session, now, refusedAt) {
  if (!session || !WINDOWED[session.channel_type]) return false;
  const last = Date.parse(session.last_contact_message_at || '');
  if (refusedAt !== undefined && refusedAt === (session.last_contact_message_at || null)) return true;
  if (Number.isNaN(last)) return false; // not known here: the server decides
  return now - last >= WINDOWED[session.channel_type];
}

/** The template's text as the customer will read it, ``{{n}}`` filled with ``params``
 * (an empty one stays visible as ``{{n}}``). */
export function templatePreview(body, params) {
  return String(body || '').replace(/\{\{\s*(\d+)\s*\}\}/g, function (all, n) {
    const value = (params || [])[Number(n) - 1];
    return value && String(value).trim() ? String(value) : all;
  });
}

/** The request body of ``POST sessions/{id}/messages/`` for a template, or null while a
 * parameter is still empty. */
export function templateRequest(template, params, clientId) {
  if (!template) return null;
  const count = template.param_count || 0;
  const given = (params || []).slice(0, count).map(function (p) { return String(p || '').trim(); });
  if (given.length < count || given.some(function (p) { return !p; })) return null;
  return { template: { name: template.name, language: template.language, params: given }, client_id: clientId };
}

/** A template's label in the picker: its name and language. */
export function templateLabel(template) {
  return template.name + ' (' + template.language + ')';
}
