#!/usr/bin/env node
// `npm start` builds only when a source changed since the last build: it compares the newest file under
// apps/, libs/ and the build configuration with the stamp the last successful build left in dist/.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..', '..');
const STAMP = join(ROOT, 'dist', '.build-stamp');
const ENTRY = join(ROOT, 'dist', 'apps', 'ccm', 'apps', 'ccm', 'src', 'main.js');
const INPUTS = ['apps', 'libs', 'tsconfig.json', 'nest-cli.json', 'package-lock.json'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return /\.(spec|e2e-spec)\.ts$/.test(path) ? 0 : stat.mtimeMs;
  let max = 0;
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    max = Math.max(max, newest(join(path, name)));
  }
  return max;
}

function stale() {
  if (!existsSync(STAMP) || !existsSync(ENTRY)) return 'no previous build';
  const built = statSync(STAMP).mtimeMs;
  const changed = INPUTS.find((input) => newest(join(ROOT, input)) > built);
  return changed ? `${changed} changed since the last build` : undefined;
}

const reason = process.argv.includes('--force') ? 'forced' : stale();
if (!reason) {
  console.log('ccm: build is up to date (dist/), starting');
  process.exit(0);
}
console.log(`ccm: building (${reason}) …`);
const started = Date.now();
const result = spawnSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build', 'ccm'], { cwd: ROOT, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(STAMP, new Date().toISOString() + '\n');
console.log(`ccm: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
