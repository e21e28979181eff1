/* The SLA alerts' pure logic (sla_alerts.js is the panel), tested in tests/inboxjs/. */
import { fmt, baseLang } from './logic.js';

export const SLA_SOUND_KEY = 'cc.inbox.slaSound';

/** Whether alerts play a sound: on unless the supervisor turned it off. */
export function soundOn(store) {
  try { return !store || store.getItem(SLA_SOUND_KEY) !== 'off'; } catch (e) { return true; }
}

const UNITS = { en: { s: 's', min: 'min' }, ru: { s: 'с', min: 'мин' } };

/** A wait to the second: "48 s", "1 min", "2 min 05 s" (targets are often under a minute). */
export function secondsText(seconds, lang) {
  const u = UNITS[baseLang(lang)] || UNITS.en;
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 60) return s + ' ' + u.s;
  if (s % 60 === 0) return s / 60 + ' ' + u.min;
  return Math.floor(s / 60) + ' ' + u.min + ' ' + String(s % 60).padStart(2, '0') + ' ' + u.s;
}

/** The toast of an sla.* frame: who waits, how long, against which target. */
export function slaAlertText(ev, name, t, lang) {
  const key = ev.type === 'sla.breached' ? 'slaBreached' : 'slaWarning';
  return fmt(t[key], {
    name: name, t: secondsText(ev.waiting_s, lang), target: secondsText(ev.target_s, lang),
    group: ev.group_name || '',
  });
}
