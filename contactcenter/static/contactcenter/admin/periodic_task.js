// The admin's scheduled job page: shows the picked crontab schedule in words under the
// crontab field (the words come from the page's "readable-crontabs" JSON).
(function () {
  'use strict';
  function boot() {
    var data = document.getElementById('readable-crontabs');
    var select = document.getElementById('id_crontab');
    var row = document.querySelector('.field-crontab');
    if (!data || !select || !row) return;
    var readable = JSON.parse(data.textContent || '{}');
    var note = document.createElement('div');
    note.className = 'help';
    row.appendChild(note);
    var hidden = document.querySelector('.field-crontab_translation');
    if (hidden) hidden.hidden = true;
    function show() { note.textContent = readable[select.value] || ''; }
    select.addEventListener('change', show);
    show();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
