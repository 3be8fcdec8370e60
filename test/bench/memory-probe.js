// Preloaded (`node -r ./test/bench/memory-probe.js`) into a ccm process by `npm run bench:memory`.
// Answers IPC `{ id, cmd: 'memory' }` with the process's memory after a full GC (needs --expose-gc):
// process.memoryUsage(), V8's heap spaces, and the loaded modules counted per package, so a change
// can be measured before and after without touching the application's code.
'use strict';
const v8 = require('node:v8');

function packageOf(file) {
  const at = file.lastIndexOf('node_modules/');
  if (at < 0) return '(app)';
  const rest = file.slice(at + 'node_modules/'.length).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

function snapshot() {
  if (global.gc) {
    global.gc();
    global.gc();
  }
  const modules = {};
  let moduleCount = 0;
  for (const file of Object.keys(require.cache)) {
    const name = packageOf(file);
    modules[name] = (modules[name] || 0) + 1;
    moduleCount += 1;
  }
  const spaces = {};
  for (const space of v8.getHeapSpaceStatistics()) spaces[space.space_name] = space.space_size;
  const cpu = process.cpuUsage();
  return { memory: process.memoryUsage(), spaces, moduleCount, modules, cpuMicros: cpu.user + cpu.system };
}

process.on('message', (message) => {
  if (message && message.cmd === 'memory') process.send({ id: message.id, result: snapshot() });
});
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
