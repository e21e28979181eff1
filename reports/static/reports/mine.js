/* An operator's own figures (/reports/mine/, see docs/reports.md): today and this week
 * (from Monday), from GET reports/summary/?operator=<me>; the API shows an operator
 * their own chats only. Server data only ever goes through textContent. */
import { FIGURES, baseLang, query, formatFigure, weekStart } from './report_logic.js';
import { DEFAULTS } from './report_strings.js';
import { domFor, readJson, setText } from '../contactcenter/common/dom.js';
import { makeApi } from '../contactcenter/common/api.js';

// what an operator is measured by, of the summary's figures
export const MINE = ['answered', 'avg_first_response_s', 'avg_handle_s', 'csat_avg'];

function render(h, el, summary, T, lang) {
  const kinds = new Map(FIGURES.map(function (f) { return [f.key, f.kind]; }));
  const cards = MINE.map(function (key) {
    return h('div', { class: 'card figure', 'data-figure': key },
      h('dt', { text: T['fig_' + key] }), h('dd', { text: formatFigure(summary[key], kinds.get(key), lang) }));
  });
  el.replaceChildren.apply(el, cards);
}

/** Starts the page on a window (the browser's, or a test's). */
export async function boot(w) {
  const doc = w.document;
  const { $, h } = domFor(doc);
  const BOOT = Object.assign({ api_base: '/api/v1/', language: 'en' }, readJson(doc, 'reports-bootstrap'));
  const T = Object.assign({}, DEFAULTS, readJson(doc, 'reports-strings'));
  const lang = baseLang(BOOT.language);
  const api = makeApi({ win: w, base: BOOT.api_base, csrf: BOOT.csrf_token, loginUrl: '/login/?next=/reports/mine/' });
  const now = new Date();
  const periods = {
    today: new Date(now.getFullYear(), now.getMonth(), now.getDate()),
    week: weekStart(now),
  };
  for (const name of Object.keys(periods)) {
    const params = { since: periods[name].toISOString(), until: now.toISOString(), operator: BOOT.operator };
    try {
      const summary = await api('GET', 'reports/summary/' + query(params));
      render(h, $('mine-' + name).querySelector('dl'), summary, T, lang);
    } catch (err) {
      const el = $('report-error');
      el.hidden = false;
      setText(el, err.status ? T.err_server : T.err_network);
    }
  }
  doc.body.dataset.loaded = '1';
}

if (typeof window !== 'undefined' && typeof document !== 'undefined' && document.getElementById('mine-today')) {
  boot(window);
}
