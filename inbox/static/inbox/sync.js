/* Loading what the page shows (me, my chats, closed, queues, team) and resync() after a
 * reconnect; what an API error tells the operator. */
import { win, T, S, api, q, toast, ApiError, page } from './state.js';
import { RECENT_CLOSED, upsertSession, deriveLists, apiErrorText, results } from './logic.js';

export function errorText(err, action) {
  const mine = deriveLists(S.sessions, S.me).mine.length;
  const limit = S.me && S.me.max_sessions !== null && S.me.max_sessions !== undefined ? S.me.max_sessions : null;
  return apiErrorText(err && err.status, err && err.body, { action: action, limit: limit, active: mine }, T);
}

export function report(err, action) {
  if (err && err.status === 401) return;
  if (!(err instanceof ApiError)) { toast(T.err_server, 'error'); if (win.console) win.console.error(err); return; }
  toast(errorText(err, action), 'error');
  // an action refused because the page was stale: refresh what it shows (never for a
  // failed load itself, or a missing object would reload forever)
  const isLoad = action === 'load' || action === 'open' || action === 'contact';
  if (!isLoad && err && (err.status === 404 || err.status === 409)) resync();
}

/* ---------------------------------------------------------------- loading */

/** Replaces the sessions a list covers with a fresh answer from the server. */
export function replaceWhere(predicate, fresh) {
  const ids = new Set(fresh.map(function (s) { return s.id; }));
  for (const [id, s] of Array.from(S.sessions)) {
    if (!ids.has(id) && predicate(s) && !(S.open && S.open.sessionId === id)) S.sessions.delete(id);
  }
  for (const s of fresh) upsertSession(S.sessions, s);
}

export async function loadMe() {
  try {
    S.me = await api('GET', 'operators/me/');
  } catch (err) {
    if (err.status === 404 || err.status === 403) { page.showBanner(T.notOperator); return false; }
    throw err;
  }
  page.renderStatus();
  return true;
}

export async function loadMine() {
  const data = await api('GET', 'sessions/' + q({ status: 'active', operator: S.me.id, page_size: 100 }));
  const meId = S.me.id;
  replaceWhere(function (s) { return s.status === 'active' && s.operator === meId; }, results(data));
}

export async function loadClosed() {
  const data = await api('GET', 'sessions/' + q({ status: 'closed', operator: S.me.id, ordering: '-closed_at', page_size: RECENT_CLOSED }));
  const meId = S.me.id;
  replaceWhere(function (s) { return s.status === 'closed' && s.operator === meId; }, results(data));
}

export async function loadQueues() {
  const data = await api('GET', 'queues/');
  S.queues = new Map();
  for (const row of results(data)) S.queues.set(row.group, row);
  await Promise.all(Array.from(S.expanded).map(loadQueued));
}

export async function loadQueued(groupId) {
  const data = await api('GET', 'sessions/' + q({ status: 'queued', group: groupId, page_size: 100 }));
  replaceWhere(function (s) { return s.status === 'queued' && s.group === groupId; }, results(data));
}

export async function loadTeam() {
  const groups = (S.me && S.me.supervised_groups) || [];
  await Promise.all(groups.map(loadTeamGroup));
}

/** Every waiting and active chat of one supervised group. */
export async function loadTeamGroup(g) {
  await Promise.all(['queued', 'active'].map(async function (status) {
    const data = await api('GET', 'sessions/' + q({ group: g, status: status, page_size: 200 }));
    replaceWhere(function (s) { return s.status === status && s.group === g; }, results(data));
  }));
}

export function supervises(groupId) {
  return !!(S.me && S.me.supervised_groups && S.me.supervised_groups.indexOf(groupId) !== -1);
}

/** Refetches everything the page shows; called on load and after every reconnect. */
export function resync() {
  if (S.syncing) { S.syncAgain = true; return S.syncing; }
  S.syncing = (async function () {
    try {
      if (!(await loadMe())) return;
      const jobs = [loadMine(), loadClosed(), loadQueues(), loadTeam()];
      const outcome = await Promise.allSettled(jobs);
      const failed = outcome.find(function (o) { return o.status === 'rejected'; });
      if (failed) report(failed.reason, 'load');
      if (S.open) await page.refreshOpen();
      S.ready = true;
      page.render();
    } catch (err) {
      report(err, 'load');
    } finally {
      S.syncing = null;
      if (S.syncAgain) { S.syncAgain = false; resync(); }
    }
  })();
  return S.syncing;
}

// what the other panels call (through page: panels never import each other)
Object.assign(page, { loadQueued, loadTeamGroup, report, resync, supervises });
