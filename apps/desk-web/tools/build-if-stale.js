#!/usr/bin/env node
/**
 * Builds the desk web app (Vite) into dist/desk-web, but only when a source is newer than the last
 * build, so `npm test` and `npm start` stay fast. `--force` always builds.
 */
'use strict';
const { existsSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..', '..', '..');
const stamp = join(root, 'dist', 'desk-web', '.built');
const inputs = [
  join(root, 'apps', 'desk-web', 'src'),
  join(root, 'apps', 'desk-web', 'index.html'),
  join(root, 'apps', 'desk-web', 'vite.config.mts'),
  join(root, 'libs', 'templates', 'src'), // the shared rich-message validator
  join(root, 'package-lock.json'),
];

function newest(path) {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), info.mtimeMs);
}

const force = process.argv.includes('--force');
if (!force && existsSync(stamp) && statSync(stamp).mtimeMs >= Math.max(...inputs.map(newest))) {
  console.log('desk web app is up to date (dist/desk-web)');
  process.exit(0);
}
const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
const result = spawnSync(
  process.execPath,
  [vite, 'build', '--config', join(root, 'apps', 'desk-web', 'vite.config.mts'), '--logLevel', 'warn'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(stamp, new Date().toISOString() + '\n');
console.log('desk web app built into dist/desk-web');
