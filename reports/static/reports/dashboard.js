/* The managers' dashboard (/reports/, see docs/reports.md): figures of a period against
 * the previous one, charts over time (Chart.js, vendored), breakdown tables and
 * downloads, read from the reports API with the page's filters; nothing reloads the
 * page. Pure logic in report_logic.js; server data only ever goes through textContent. */
import {
  FIGURES, fmt, baseLang, query, presetDays, dayRange, previousPeriod, naturalStep, formatFigure,
  change, filterParams, exportUrl, chartSeries, isoDay, controlsFromQuery, queryOfControls, fillDays,
} from './report_logic.js';
import { DEFAULTS } from './report_strings.js';
import { domFor, readJson, setText, showToast } from '../contactcenter/common/dom.js';
import { makeApi, flattenErrors } from '../contactcenter/common/api.js';

let win, doc, $, h, BOOT, T, LANG, S, api;

function option(select, item) { select.append(h('option', { value: item.id, text: item.name })); }

function fillFilters() {
  for (const g of BOOT.groups || []) option($('id_group'), g);
  for (const o of BOOT.operators || []) option($('id_operator'), o);
  for (const c of BOOT.channels || []) option($('id_channel'), c);
  const days = presetDays('7d', new Date());
  $('id_since').value = days.from;
  $('id_until').value = days.to;
  // a link or a reload shows the same report: the controls from the address
  const asked = controlsFromQuery(win.location.search);
  for (const key of Object.keys(asked)) {
    const el = $('id_' + key);
    if (!el) continue;
    if (el.type === 'checkbox') el.checked = asked[key] === 'true';
    else if (Array.from(el.options || [{ value: asked[key] }]).some(function (o) { return o.value === asked[key]; })) el.value = asked[key];
  }
}

function controls() {
  const c = {};
  for (const key of ['period', 'since', 'until', 'group', 'operator', 'channel', 'step']) c[key] = $('id_' + key).value;
  c.business_hours = String($('id_business_hours').checked);
  return c;
}

/** The filters as chosen, or null (with the error shown) when the dates are wrong. */
function readFilters() {
  const period = $('id_period').value;
  const custom = period === 'custom';
  for (const cls of ['.f-since', '.f-until']) doc.querySelector(cls).hidden = !custom;
  const days = custom ? { from: $('id_since').value, to: $('id_until').value } : presetDays(period, new Date());
  const range = dayRange(days.from, days.to);
  const error = $('until-error');
  error.hidden = !range.error;
  setText(error, range.error ? T['err_' + range.error] : '');
  if (range.error) return null;
  const step = $('id_step').value;
  return {
    since: range.since, until: range.until, days: days,
    group: $('id_group').value, operator: $('id_operator').value, channel: $('id_channel').value,
    businessHours: $('id_business_hours').checked,
    step: step === 'auto' ? naturalStep(range.since, range.until) : step,
  };
}

function errorText(err) {
  if (!err.status) return T.err_network;
  if (err.status === 400) return fmt(T.err_invalid, { detail: flattenErrors(err.body) || '?' });
  if (err.status === 403) return T.err_forbidden;
  if (err.status === 404) return T.err_missing;
  if (err.status === 429) return T.err_throttled;
  return T.err_server;
}

function get(what, f, extra) {
  return api('GET', 'reports/' + what + '/' + query(Object.assign(filterParams(f), extra || {})));
}

/** Reads everything the page shows for the filters; a newer load wins over an older. */
async function load() {
  const f = readFilters();
  if (!f) return;
  const ticket = ++S.ticket;
  S.filters = f;
  if (win.history && win.history.replaceState) win.history.replaceState(null, '', win.location.pathname + queryOfControls(controls()));
  $('report-spinner').hidden = false;
  doc.body.setAttribute('aria-busy', 'true');
  updateLinks();
  const previous = Object.assign({}, f, previousPeriod(f.since, f.until));
  const parts = await Promise.allSettled([
    get('summary', f), get('summary', previous), get('breakdown', f, { by: f.step }),
    get('breakdown', f, { by: S.by }),
  ]);
  if (ticket !== S.ticket) return;
  $('report-spinner').hidden = true;
  doc.body.removeAttribute('aria-busy');
  const failed = parts.find(function (p) { return p.status === 'rejected'; });
  showError(failed ? errorText(failed.reason) : '');
  const value = function (i) { return parts[i].status === 'fulfilled' ? parts[i].value : null; };
  renderRange(f);
  renderFigures(value(0), value(1));
  renderCharts(fillDays(value(2), f.days.from, f.days.to));
  renderBreakdown(value(3));
  S.loaded += 1;
  doc.body.dataset.loaded = String(S.loaded);
}

function showError(text) {
  const el = $('report-error');
  el.hidden = !text;
  setText(el, text);
}

function renderRange(f) {
  const day = new Intl.DateTimeFormat(LANG, { dateStyle: 'medium' });
  const last = new Date(f.until.getTime() - 1);
  const prev = previousPeriod(f.since, f.until);
  setText($('report-range'), fmt(T.rangeText, {
    from: day.format(f.since), to: day.format(last),
    prevFrom: day.format(prev.since), prevTo: day.format(new Date(prev.until.getTime() - 1)),
  }));
}

function renderFigures(now, before) {
  const cards = FIGURES.filter(function (fig) { return now && now[fig.key] !== undefined; }).map(function (fig) {
    const delta = before ? change(now[fig.key], before[fig.key], fig, LANG) : null;
    return h('div', { class: 'card figure', 'data-figure': fig.key },
      h('dt', { text: T['fig_' + fig.key] || fig.key }),
      h('dd', { text: formatFigure(now[fig.key], fig.kind, LANG) }),
      delta ? h('p', { class: 'delta delta-' + delta.tone, title: T.vsPrevious,
        text: (delta.trend === 'up' ? '▲ ' : delta.trend === 'down' ? '▼ ' : '') + delta.text + ' ' + T.vsPreviousShort }) : null,
      h('p', { class: 'muted help', text: T['help_' + fig.key] || '' }));
  });
  $('figures').replaceChildren.apply($('figures'), cards);
}

function makeChart(id, config) {
  const Chart = win.Chart;
  if (!Chart) return null;
  if (S.charts[id]) S.charts[id].destroy();
  S.charts[id] = new Chart($(id), config);
  return S.charts[id];
}

function renderCharts(breakdown) {
  const s = chartSeries(breakdown);
  const common = { responsive: true, maintainAspectRatio: false, animation: false, interaction: { mode: 'index', intersect: false } };
  makeChart('chart-volume', {
    data: { labels: s.labels, datasets: [
      { type: 'bar', label: T.fig_sessions, data: s.sessions, yAxisID: 'y', backgroundColor: '#93b4f5' },
      { type: 'line', label: T.fig_service_level_pct, data: s.serviceLevel, yAxisID: 'pct', borderColor: '#1a7f37', spanGaps: true },
    ] },
    options: Object.assign({}, common, { scales: {
      y: { beginAtZero: true, suggestedMax: 5, ticks: { precision: 0 } },
      pct: { position: 'right', min: 0, max: 100, grid: { drawOnChartArea: false } },
    } }),
  });
  const seconds = function (v) { return formatFigure(v, 'duration', LANG); };
  makeChart('chart-response', {
    type: 'line',
    data: { labels: s.labels, datasets: [
      { label: T.fig_avg_first_response_s, data: s.firstResponse, borderColor: '#2f6fde', spanGaps: true },
      { label: T.fig_p90_first_response_s, data: s.firstResponseP90, borderColor: '#d4a72c', spanGaps: true },
    ] },
    options: Object.assign({}, common, { scales: { y: { beginAtZero: true, suggestedMax: 10, ticks: { callback: seconds, precision: 0 } } },
      plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + seconds(c.parsed.y); } } } } }),
  });
}

const COLUMNS = ['sessions', 'answered', 'abandoned', 'avg_first_response_s', 'median_first_response_s',
  'avg_queue_wait_s', 'avg_handle_s', 'service_level_pct', 'csat_avg', 'transfers'];

function renderBreakdown(data) {
  const rows = (data && data.rows) || [];
  const kinds = new Map(FIGURES.map(function (f) { return [f.key, f.kind]; }));
  const table = $('breakdown-table');
  const head = h('tr', null, h('th', { scope: 'col', text: T['by_' + S.by] }),
    ...COLUMNS.map(function (k) { return h('th', { scope: 'col', text: T['fig_' + k] }); }));
  table.tHead.replaceChildren(head);
  const body = rows.map(function (r) {
    return h('tr', null, h('th', { scope: 'row', text: r.label || String(r.key) }),
      ...COLUMNS.map(function (k) { return h('td', { text: formatFigure(r[k], kinds.get(k), LANG) }); }));
  });
  table.tBodies[0].replaceChildren.apply(table.tBodies[0], body);
  $('breakdown-empty').hidden = !data || rows.length > 0;
}

function updateLinks() {
  const f = S.filters;
  if (!f) return;
  $('dl-summary-csv').href = exportUrl(BOOT.api_base, 'summary', f, 'csv');
  $('dl-summary-xlsx').href = exportUrl(BOOT.api_base, 'summary', f, 'xlsx');
  $('dl-breakdown-csv').href = exportUrl(BOOT.api_base, 'breakdown', f, 'csv', S.by);
  $('dl-breakdown-xlsx').href = exportUrl(BOOT.api_base, 'breakdown', f, 'xlsx', S.by);
}

async function switchTab(by) {
  S.by = by;
  for (const tab of doc.querySelectorAll('[data-by]')) tab.setAttribute('aria-selected', String(tab.dataset.by === by));
  updateLinks();
  if (!S.filters) return;
  try { renderBreakdown(await get('breakdown', S.filters, { by: by })); showError(''); } catch (err) { showError(errorText(err)); }
}

function wire() {
  const form = $('report-filters');
  form.addEventListener('change', function (ev) {
    if (ev.target.id === 'id_period' && ev.target.value === 'custom' && S.filters) {
      $('id_since').value = S.filters.days.from;
      $('id_until').value = S.filters.days.to;
    }
    load();
  });
  form.addEventListener('submit', function (ev) { ev.preventDefault(); load(); });
  for (const tab of doc.querySelectorAll('[data-by]')) tab.addEventListener('click', function () { switchTab(tab.dataset.by); });
}

/** Starts the dashboard on a window (the browser's, or a test's). */
export function boot(w) {
  win = w;
  doc = w.document;
  ({ $, h } = domFor(doc));
  BOOT = Object.assign({ api_base: '/api/v1/', language: 'en' }, readJson(doc, 'reports-bootstrap'));
  T = Object.assign({}, DEFAULTS, readJson(doc, 'reports-strings'));
  LANG = baseLang(BOOT.language);
  api = makeApi({ win: w, base: BOOT.api_base, csrf: BOOT.csrf_token, loginUrl: '/login/?next=/reports/' });
  S = { ticket: 0, loaded: 0, filters: null, by: 'group', charts: {} };
  if (!w.Chart) showToast(w, h, T.err_charts, 'error', { closeLabel: T.dismiss });
  fillFilters();
  wire();
  load();
  return { state: S, load: load, today: isoDay(new Date()) };
}

if (typeof window !== 'undefined' && typeof document !== 'undefined' && document.getElementById('reports-bootstrap') &&
    document.getElementById('report-filters')) {
  window.ccReports = boot(window);
}
