/**
 * What the generators (generate-channel.js, generate-bot-connector.js) share: their command line
 * (`<name> [--root <repo dir>]`) and the spellings of a kebab-case name in the code they write.
 * Plain Node (no build step), like them.
 */
'use strict';
const path = require('node:path');

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * `<name> [--root <repo dir>]` (the root defaults to this checkout). Returns undefined, after printing
 * `usage`, when the name is missing or not kebab-case.
 */
function parseScaffoldArgs(argv, usage) {
  const args = argv.slice(2);
  const rootAt = args.indexOf('--root');
  const root = path.resolve(rootAt >= 0 ? args[rootAt + 1] : path.join(__dirname, '..', '..', '..'));
  const name = args.filter((a, i) => !a.startsWith('--') && (rootAt < 0 || i !== rootAt + 1))[0];
  if (!name || !KEBAB.test(name)) {
    process.stderr.write(`${usage}\n`);
    return undefined;
  }
  return { root, name };
}

/** `web-chat` → `{ pascal: 'WebChat', camel: 'webChat', constant: 'WEB_CHAT' }`. */
function scaffoldNames(name) {
  const pascal = name
    .split('-')
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
  return { pascal, camel: pascal[0].toLowerCase() + pascal.slice(1), constant: name.toUpperCase().replace(/-/g, '_') };
}

module.exports = { parseScaffoldArgs, scaffoldNames };
