// Node resolve hooks that load the product's static ES modules as the browser does.
//
// In the browser a module's relative import is resolved against its static URL
// (/static/inbox/inbox.js imports ../contactcenter/common/dom.js), and Django's finders
// find the file in whichever app's static/ folder holds it. This does the same for Node,
// and marks these .js files as ES modules (the static folders have no package.json).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../../', import.meta.url);
const STATIC_ROOTS = ['contactcenter/static/', 'inbox/static/', 'routing/static/', 'reports/static/', 'crm/static/']
  .map(function (p) { return new URL(p, ROOT).href; });

function staticPath(url) {
  for (const root of STATIC_ROOTS) if (url.startsWith(root)) return url.slice(root.length);
  return null;
}

function find(rel) {
  for (const root of STATIC_ROOTS) {
    const url = new URL(rel, root).href;
    if (fs.existsSync(fileURLToPath(url))) return url;
  }
  return null;
}

export async function resolve(specifier, context, next) {
  const parent = context.parentURL ? staticPath(context.parentURL) : null;
  let target = null;
  if (parent !== null && /^\.\.?\//.test(specifier)) {
    const rel = new URL(specifier, 'http://static/' + parent).pathname.slice(1);
    target = find(rel);
    if (!target) throw new Error('static module not found: ' + rel + ' (imported by ' + parent + ')');
  } else if (specifier.startsWith('file:') && staticPath(specifier) !== null && specifier.endsWith('.js')) {
    target = specifier;
  }
  if (target) return { url: target, format: 'module', shortCircuit: true };
  return next(specifier, context);
}
