/* The bot's part of a chat (slot "bot-transcript", see panels.js): when a session that
 * a bot handled reaches an operator, which bot it was, how it finished and what the
 * customer gave it (GET sessions/{id}/bot/; 404: no bot took part). The bot's messages
 * themselves are in the timeline. */
import { registerPanel } from './conversation.js';
import { botChoices, botHeading, botRows } from './bot_panel_logic.js';

// "<session id>:<status>" -> a promise of the answer (null: no bot)
const known = new Map();
function draw(ctx, summary) {
  const h = ctx.h;
  if (!summary) { ctx.el.replaceChildren(); return; }
  const rows = botRows(summary.collected, ctx.T);
  const list = rows.length
    ? h('dl', { class: 'bot-collected' }, ...rows.flatMap(function (r) { return [h('dt', { text: r[0] }), h('dd', { text: r[1] })]; }))
    : h('p', { class: 'muted', text: ctx.T.botNothing });
  const chose = botChoices(summary, ctx.T);
  ctx.el.replaceChildren(
    h('h3', { class: 'bot-heading', text: botHeading(summary, ctx.T) }),
    ...(chose ? [h('p', { class: 'bot-choices', text: chose })] : []),
    rows.length || !chose ? list : h('span'),
  );
}

async function load(ctx, sessionId) {
  try {
    return await ctx.api('GET', 'sessions/' + sessionId + '/bot/');
  } catch (err) {
    return null; // no bot in this chat (404), or not readable now: nothing to show
  }
}

registerPanel({
  slot: 'bot-transcript',
  async session(ctx) {
    const s = ctx.session;
    if (!s || !s.id) { ctx.el.replaceChildren(); return; }
    const el = ctx.el;
    // read again when the session's status changes (the bot handed it off, closed it)
    const key = s.id + ':' + s.status;
    let entry = known.get(key);
    if (entry === undefined) {
      entry = load(ctx, s.id);
      known.set(key, entry);
    }
    const summary = await entry;
    if (ctx.el !== el || !ctx.session || ctx.session.id !== s.id) return;
    draw(ctx, summary);
    el.hidden = !el.childNodes.length;
  },
});
