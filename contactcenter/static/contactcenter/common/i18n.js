/* Strings and numbers for people: shared by the inbox, the routing board and the reports
 * pages. Pure functions, no DOM. */

/** "Hello {name}" with params {name: "Ann"}; an unknown or empty key stays as written. */
export function fmt(template, params) {
  return String(template).replace(/\{(\w+)\}/g, function (whole, key) {
    return params && params[key] !== undefined && params[key] !== null ? String(params[key]) : whole;
  });
}

/** "ru-RU" and "ru_RU" give "ru"; nothing gives "en". */
export function baseLang(lang) {
  return String(lang || 'en').toLowerCase().split(/[-_]/)[0];
}

/** A page's strings: the English defaults overlaid with the translated ones the template
 * put in a JSON block (so that Russian comes from the one .po file). */
export function pageStrings(defaults, translated) {
  return Object.assign({}, defaults, translated || {});
}
