// The reports page: the dates matter only for "Custom dates": shown then, hidden otherwise.
(function () {
  'use strict';
  var period = document.getElementById('id_period');
  if (!period) return;
  function sync() {
    var custom = period.value === 'custom';
    document.querySelectorAll('.f-since, .f-until').forEach(function (el) { el.hidden = !custom; });
  }
  period.addEventListener('change', sync);
  sync();
})();
