/* What a bot collected, as pure logic for the bot panel (bot_panel.js), tested under
 * Node in tests/inboxjs/. */
import { fmt } from './logic.js';

const STANDARD = { name: 'botFieldName', email: 'botFieldEmail', phone: 'botFieldPhone' };
const OUTCOMES = { handoff: 'botHandedOff', end: 'botResolved' };

/** The collected fields as [label, value] rows, the standard fields first, attributes by
 * their key; values as text. */
export function botRows(collected, T) {
  const rows = [];
  const keys = Object.keys(collected || {});
  keys.sort(function (a, b) {
    const sa = STANDARD[a] ? 0 : 1;
    const sb = STANDARD[b] ? 0 : 1;
    return sa - sb || (a < b ? -1 : a > b ? 1 : 0);
  });
  for (const key of keys) {
    const label = STANDARD[key] ? T[STANDARD[key]] : key.replace(/^attributes\./, '');
    const value = collected[key];
    rows.push([label, value === null || value === undefined ? '' : String(value)]);
  }
  return rows;
}

/** The heading line: the bot's name and how it finished. */
export function botHeading(summary, T) {
  const name = summary.bot ? summary.bot.name : T.botDeleted;
  const outcome = OUTCOMES[summary.outcome] ? T[OUTCOMES[summary.outcome]] : T.botWaiting;
  return fmt(T.botTitle, { name: name }) + ' · ' + outcome;
}

/** The buttons the customer pressed, as one line ("" when none). */
export function botChoices(summary, T) {
  const choices = Array.isArray(summary && summary.choices) ? summary.choices : [];
  return choices.length ? fmt(T.botChose, { choices: choices.join(' → ') }) : '';
}
