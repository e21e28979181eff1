/* Panels that later features plug into the conversation view, without editing the core.
 *
 * The conversation (inbox.html) has empty, hidden slots: <section data-slot="NAME"
 * id="slot-NAME"> for each of SLOTS. A panel module registers itself once, when it is
 * imported (add an import of it to inbox.js), with registerPanel from conversation.js:
 *
 *   registerPanel({
 *     slot: 'suggestions',
 *     session(ctx) { ... },           // the open chat changed, or its session did
 *     message(ctx, message) { ... },  // a new message in the open chat
 *   });
 *
 * ctx: {el (the slot's element), session, dialogId, messages, h, api, T, lang}. A panel
 * draws into ctx.el with ctx.h (never HTML); a slot shows only while it has content. A
 * panel that throws is reported on the console and the page carries on. */

export const SLOTS = ['bot-transcript', 'translation', 'suggestions'];

export function createPanelRegistry(log) {
  const panels = [];
  const report = log || function (err) { if (typeof console !== 'undefined') console.error(err); };

  /** Adds a panel; returns a function that removes it. */
  function register(panel) {
    if (!panel || SLOTS.indexOf(panel.slot) === -1) {
      throw new Error('a panel needs a slot among: ' + SLOTS.join(', '));
    }
    for (const hook of ['session', 'message']) {
      if (panel[hook] !== undefined && typeof panel[hook] !== 'function') throw new Error('panel.' + hook + ' must be a function');
    }
    panels.push(panel);
    return function unregister() {
      const at = panels.indexOf(panel);
      if (at !== -1) panels.splice(at, 1);
    };
  }

  /** Calls ``hook`` on every panel that has it, with its context from ctxFor(panel). */
  function emit(hook, ctxFor, arg) {
    for (const panel of panels.slice()) {
      if (typeof panel[hook] !== 'function') continue;
      try { panel[hook](ctxFor(panel), arg); } catch (err) { report(err); }
    }
  }

  function slotsInUse() {
    return SLOTS.filter(function (slot) { return panels.some(function (p) { return p.slot === slot; }); });
  }

  return { register: register, emit: emit, slotsInUse: slotsInUse, get size() { return panels.length; } };
}
