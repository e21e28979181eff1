// Imports the product's static ES modules from CommonJS tests:
//   const load = require('../jsmodules/load.js');
//   test.before(async () => { ib = await load('inbox/static/inbox/logic.js'); });
// Paths are from the repository's root. See hooks.mjs for how imports resolve.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { register } = require('node:module');
const { pathToFileURL } = require('node:url');

const ROOT = path.join(__dirname, '../..');
let registered = false;

function load(file) {
  if (!registered) {
    register('./hooks.mjs', pathToFileURL(__filename));
    registered = true;
  }
  return import(pathToFileURL(path.join(ROOT, file)).href);
}

/** The text of every module under the given static folders (for checks on the source). */
function sources(...dirs) {
  return dirs.flatMap((d) => fs.readdirSync(path.join(ROOT, d))
    .filter((f) => f.endsWith('.js'))
    .map((f) => fs.readFileSync(path.join(ROOT, d, f), 'utf8')));
}

module.exports = load;
module.exports.sources = sources;
