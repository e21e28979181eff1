/* The reply box: growing with its text, the typing signal, canned responses ("/" and a
 * shortcut) and the placeholders a response leaves unfilled. */
import { win, $, h, T, S, api, q, toast, page } from './state.js';
import { cannedQuery, matchCanned, unfilledIn, firstUnfilledRange, fmt, results } from './logic.js';

/* ---------------------------------------------------------------- the composer */

export function autoGrow() {
  const t = $('composer-text');
  if (!t) return;
  t.style.height = 'auto';
  t.style.height = Math.min(t.scrollHeight, 200) + 'px';
}

export function onComposerInput() {
  autoGrow();
  const t = $('composer-text');
  const s = page.currentSession();
  if (!page.noteMode() && page.canWrite(s) && t.value && S.typingThrottle(s.id) && page.socketReady()) page.sendFrame({ type: 'typing', session: s.id });
  renderUnfilled();
  const query = cannedQuery(t.value);
  win.clearTimeout(S.cannedTimer);
  if (query === null) { hideCanned(); return; }
  const prefix = query.slice(0, 1);
  const cacheKey = (s ? s.id : '') + ':' + prefix; // filled in for this session
  S.cannedTimer = win.setTimeout(async function () {
    let items = S.cannedCache.get(cacheKey);
    if (!items) {
      try {
        items = results(await api('GET', 'canned-responses/' + q({ search: prefix, session: s ? s.id : null })));
        S.cannedCache.set(cacheKey, items);
      } catch (err) { hideCanned(); return; }
    }
    if (cannedQuery(t.value) !== query) return;
    showCanned(matchCanned(items, query));
  }, 120);
}

export function showCanned(items) {
  S.cannedItems = items;
  S.cannedIndex = 0;
  renderCanned();
}

export function hideCanned() {
  S.cannedItems = [];
  const ul = $('canned');
  if (ul) { ul.hidden = true; ul.replaceChildren(); }
  const t = $('composer-text');
  if (t) t.removeAttribute('aria-activedescendant');
}

export function renderCanned() {
  const ul = $('canned');
  if (!ul) return;
  if (!S.cannedItems.length) { hideCanned(); return; }
  ul.hidden = false;
  ul.replaceChildren.apply(ul, S.cannedItems.map(function (it, i) {
    const li = h('li', {
      id: 'canned-' + i, role: 'option', class: i === S.cannedIndex ? 'sel' : '', 'aria-selected': i === S.cannedIndex ? 'true' : 'false',
      onmousedown: function (e) { e.preventDefault(); insertCanned(i); },
    }, h('span', { class: 'c-short', text: '/' + it.shortcut }), h('span', { class: 'c-title', text: it.title || '' }),
    h('span', { class: 'c-text', text: page.previewText(it) }));
    return li;
  }));
  $('composer-text').setAttribute('aria-activedescendant', 'canned-' + S.cannedIndex);
}

export function insertCanned(i) {
  const it = S.cannedItems[i];
  const t = $('composer-text');
  if (!it || !t) return;
  t.value = it.text || '';
  hideCanned();
  autoGrow();
  t.focus();
  S.unfilled = Array.isArray(it.unfilled) ? it.unfilled : [];
  const range = firstUnfilledRange(t.value, unfilledNames());
  if (range) t.setSelectionRange(range[0], range[1]);
  else t.setSelectionRange(t.value.length, t.value.length);
  renderUnfilled();
}

/* ------------------------- the composer: canned placeholders that stay unfilled */

export function unfilledNames() {
  return (S.unfilled || []).map(function (u) { return u.placeholder; });
}

/** The placeholders of the inserted canned response still in the text, with why
 * they were not filled; the textarea is marked while any is left. */
export function renderUnfilled() {
  const t = $('composer-text');
  if (!t) return [];
  const left = unfilledIn(t.value, unfilledNames());
  if (!left.length) S.unfilled = [];
  let box = $('composer-unfilled');
  if (!box && left.length) {
    box = h('p', { id: 'composer-unfilled', class: 'composer-unfilled', role: 'alert' });
    $('composer').after(box);
  }
  t.classList.toggle('has-unfilled', left.length > 0);
  if (left.length) t.setAttribute('aria-invalid', 'true'); else t.removeAttribute('aria-invalid');
  if (box) {
    box.hidden = !left.length;
    const reasons = (S.unfilled || []).filter(function (u) { return left.indexOf(u.placeholder) !== -1; });
    box.replaceChildren(...(left.length ? [h('span', { text: T.unfilledNote })].concat(reasons.map(function (u) {
      return h('span', { class: 'unfilled-item' }, h('code', { class: 'ph', text: '{' + u.placeholder + '}' }), h('span', { text: ' — ' + u.reason }));
    })) : []));
  }
  return left;
}

export function onComposerKey(e) {
  if (S.cannedItems.length) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = S.cannedItems.length;
      S.cannedIndex = (S.cannedIndex + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      renderCanned();
      return;
    }
    if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') { e.preventDefault(); insertCanned(S.cannedIndex); return; }
    if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); hideCanned(); return; }
  }
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
    e.preventDefault();
    submitComposer();
  }
}

export function submitComposer() {
  const t = $('composer-text');
  if (page.noteMode()) { page.submitNote(); return; }
  const left = renderUnfilled();
  if (left.length) {
    toast(fmt(T.unfilledBlocked, { list: left.map(function (n) { return '{' + n + '}'; }).join(', ') }), 'error');
    const range = firstUnfilledRange(t.value, left);
    t.focus();
    if (range) t.setSelectionRange(range[0], range[1]);
    return;
  }
  if (t.value.trim() && page.sendText(t.value)) { t.value = ''; autoGrow(); hideCanned(); renderUnfilled(); }
}

// what the other panels call (through page: panels never import each other)
Object.assign(page, { autoGrow, hideCanned, renderUnfilled });
