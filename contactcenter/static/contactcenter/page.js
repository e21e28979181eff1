// Small behaviours shared by the product's pages, kept out of the HTML so that the
// Content-Security-Policy can forbid inline scripts:
// - a control with data-autosubmit submits its form when it changes (language, filters);
// - a button with data-copy="<element id>" copies that element's text and says so.
(function () {
  'use strict';
  document.addEventListener('change', function (event) {
    var control = event.target;
    if (control && control.hasAttribute && control.hasAttribute('data-autosubmit') && control.form) {
      control.form.submit();
    }
  });
  document.addEventListener('click', function (event) {
    var button = event.target && event.target.closest ? event.target.closest('[data-copy]') : null;
    if (!button || !navigator.clipboard) return;
    var source = document.getElementById(button.getAttribute('data-copy'));
    if (!source) return;
    navigator.clipboard.writeText(source.textContent).then(function () {
      if (button.getAttribute('data-copied')) button.textContent = button.getAttribute('data-copied');
    });
  });
})();
