// The group page of the admin: the working hours' heading and help name the time zone
// picked in the form, as soon as it is picked (the server names the saved one).
(function () {
  'use strict';

  function zoneText(template, zone) {
    return String(template || '').split('%(zone)s').join(zone);
  }

  function boot(doc) {
    const select = doc.getElementById('id_time_zone');
    if (!select) return;
    const heading = select.getAttribute('data-hours-heading');
    const help = select.getAttribute('data-hours-help');
    function show() {
      const zone = select.value;
      if (!zone) return;
      const h2 = doc.querySelector('#working_hours-group h2');
      if (h2 && heading) h2.textContent = zoneText(heading, zone);
      for (const id of ['working_hours-group', 'holidays-group']) {
        for (const icon of doc.querySelectorAll('#' + id + ' thead .help-tooltip')) {
          icon.setAttribute('title', zoneText(help, zone));
          icon.setAttribute('alt', '(' + zoneText(help, zone) + ')');
        }
      }
    }
    select.addEventListener('change', show);
    show();
  }

  if (typeof module !== 'undefined' && module.exports) module.exports = { zoneText };
  if (typeof window !== 'undefined' && typeof document !== 'undefined' && window.document === document) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => boot(document));
    else boot(document);
  }
})();
