/* The CRM pages: drag and drop on the board (PATCH leads/{id}/ {stage}) and ticking tasks
 * done on "my tasks" (PATCH tasks/{id}/ {done}). Plain JavaScript, no build step; server
 * data only ever goes through textContent. */
(function () {
  'use strict';

  const doc = document;
  const root = doc.getElementById('crm');
  if (!root) return;

  function readJson(id) {
    const el = doc.getElementById(id);
    try { return JSON.parse((el && el.textContent) || '{}') || {}; } catch (e) { return {}; }
  }
  const BOOT = Object.assign({ api_base: '/api/v1/' }, readJson('crm-bootstrap'));
  const T = readJson('crm-strings');

  function fmt(template, params) {
    return String(template || '').replace(/\{(\w+)\}/g, function (whole, key) {
      return params && params[key] !== undefined ? String(params[key]) : whole;
    });
  }

  function csrfToken() {
    const m = /(?:^|;\s*)csrftoken=([^;]+)/.exec(doc.cookie || '');
    return m ? decodeURIComponent(m[1]) : root.dataset.csrf || '';
  }

  function flatten(body) {
    if (body === null || body === undefined) return '';
    if (typeof body === 'string') return body;
    if (Array.isArray(body)) return body.map(flatten).join(' ');
    if (typeof body === 'object') {
      return Object.keys(body).map(function (k) {
        return k === 'detail' || k === 'non_field_errors' ? flatten(body[k]) : k + ': ' + flatten(body[k]);
      }).join('; ');
    }
    return String(body);
  }

  function errorText(err) {
    if (!err.status) return T.network || 'Network error';
    if (err.status === 403) return T.forbidden || 'Forbidden';
    if (err.status === 404) return T.notFound || 'Not found';
    if (err.status === 400 || err.status === 409) return flatten(err.body) || String(err.status);
    return T.server || 'Server error';
  }

  async function patch(path, body) {
    let res;
    try {
      res = await fetch(BOOT.api_base + path, {
        method: 'PATCH',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrfToken() },
        body: JSON.stringify(body),
      });
    } catch (e) {
      throw { status: 0, body: null };
    }
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (res.status === 401) { window.location.assign('/login/?next=' + encodeURIComponent(window.location.pathname)); }
    if (!res.ok) throw { status: res.status, body: data };
    return data;
  }

  let toastTimer = null;
  function toast(text, kind) {
    const el = doc.getElementById('crm-toast');
    if (!el) return;
    el.textContent = text;
    el.className = 'crm-toast ' + (kind || 'info');
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { el.hidden = true; }, kind === 'error' ? 8000 : 2500);
  }

  /* ------------------------------------------------------------------ the board */

  const board = doc.getElementById('board');

  function column(stageId) {
    return board.querySelector('.board-col[data-stage-id="' + String(Number(stageId)) + '"]');
  }

  function bump(col, delta) {
    const count = col && col.querySelector('[data-count]');
    if (count) count.textContent = String(Math.max(0, Number(count.textContent || 0) + delta));
  }

  function place(card, col) {
    const list = col.querySelector('.board-cards');
    list.insertBefore(card, list.firstChild);
    card.dataset.stageId = col.dataset.stageId;
    const select = card.querySelector('.move-select');
    if (select) select.value = col.dataset.stageId;
  }

  async function moveCard(card, stageId) {
    const from = column(card.dataset.stageId);
    const to = column(stageId);
    if (!to || to === from || card.classList.contains('busy')) return;
    card.classList.add('busy');
    place(card, to);
    bump(from, -1);
    bump(to, 1);
    try {
      await patch('leads/' + encodeURIComponent(card.dataset.leadId) + '/', { stage: Number(stageId) });
      toast(fmt(T.moved || 'Moved to {stage}.', { stage: to.dataset.stageName }), 'ok');
    } catch (err) {
      if (from) { place(card, from); bump(from, 1); bump(to, -1); }
      toast(fmt(T.notMoved || 'Not moved: {detail}', { detail: errorText(err) }), 'error');
    } finally {
      card.classList.remove('busy');
    }
  }

  if (board) {
    let dragged = null;
    board.addEventListener('dragstart', function (e) {
      const card = e.target.closest && e.target.closest('.board-card');
      if (!card) return;
      dragged = card;
      card.classList.add('dragging');
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', card.dataset.leadId);
    });
    board.addEventListener('dragend', function () {
      if (dragged) dragged.classList.remove('dragging');
      dragged = null;
      board.querySelectorAll('.drop-target').forEach(function (c) { c.classList.remove('drop-target'); });
    });
    board.addEventListener('dragover', function (e) {
      const col = e.target.closest && e.target.closest('.board-col');
      if (!col || !dragged) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      board.querySelectorAll('.drop-target').forEach(function (c) { if (c !== col) c.classList.remove('drop-target'); });
      col.classList.add('drop-target');
    });
    board.addEventListener('drop', function (e) {
      const col = e.target.closest && e.target.closest('.board-col');
      if (!col || !dragged) return;
      e.preventDefault();
      col.classList.remove('drop-target');
      moveCard(dragged, col.dataset.stageId);
    });
    board.addEventListener('change', function (e) {
      if (!e.target.classList.contains('move-select')) return;
      moveCard(e.target.closest('.board-card'), e.target.value);
    });
  }

  /* ------------------------------------------------------------------ my tasks */

  root.addEventListener('change', async function (e) {
    const box = e.target;
    if (!box.classList || !box.classList.contains('task-done')) return;
    const row = box.closest('.task');
    const done = box.checked;
    box.disabled = true;
    try {
      const task = await patch('tasks/' + encodeURIComponent(row.dataset.taskId) + '/', { done: done });
      row.classList.toggle('done', !!task.done);
      row.classList.toggle('overdue', !!task.is_overdue);
    } catch (err) {
      box.checked = !done;
      toast(fmt(T.notSaved || 'Not saved: {detail}', { detail: errorText(err) }), 'error');
    } finally {
      box.disabled = false;
    }
  });
})();
