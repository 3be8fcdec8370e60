// Preloaded (`node -r ./test/bench/memory-probe.js`) into a ccm process by `npm run bench:memory`.
// Answers IPC `{ id, cmd: 'memory' }` (and bench-server.ts's `stats`) with the process's memory after a full GC (needs --expose-gc):
// process.memoryUsage(), V8's heap spaces, and the loaded modules counted per package, so a change
// can be measured before and after without touching the application's code.
'use strict';
const v8 = require('node:v8');
const { PerformanceObserver, constants } = require('node:perf_hooks');

/** GC pauses so far (count and ms), to show what a smaller young generation costs in collection work. */
const gcs = { scavenges: 0, scavengeMs: 0, others: 0, otherMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.detail && entry.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      gcs.scavenges += 1;
      gcs.scavengeMs += entry.duration;
    } else {
      gcs.others += 1;
      gcs.otherMs += entry.duration;
    }
  }
}).observe({ entryTypes: ['gc'] });

function packageOf(file) {
  const at = file.lastIndexOf('node_modules/');
  if (at < 0) return '(app)';
  const rest = file.slice(at + 'node_modules/'.length).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

/** Linux: resident memory per mapping (the node binary, native addons, malloc's heap, anonymous maps), KiB. */
function mappings() {
  const out = {};
  let name = '';
  let text;
  try {
    text = require('node:fs').readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const path = head[1];
      name = !path
        ? '(anonymous)'
        : path.startsWith('[')
          ? path
          : path.includes('node_modules/')
            ? packageOf(path) + ' (native)'
            : path.split('/').pop();
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[name] = (out[name] || 0) + Number(rss[1]);
  }
  return out;
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
  return {
    memory: process.memoryUsage(),
    spaces,
    moduleCount,
    modules,
    mappings: mappings(),
    code: v8.getHeapCodeStatistics(),
    gc: { ...gcs },
    cpuMicros: cpu.user + cpu.system,
  };
}

process.on('message', (message) => {
  if (!message) return;
  if (message.cmd === 'memory') process.send({ id: message.id, result: snapshot() });
  // The figures bench-server.ts answers `stats` with (run-bench's memory run uses the built app).
  if (message.cmd === 'stats') {
    if (message.gc && global.gc) global.gc();
    const { rss, heapUsed } = process.memoryUsage();
    const cpu = process.cpuUsage();
    process.send({ id: message.id, result: { rss, heapUsed, cpuMicros: cpu.user + cpu.system } });
  }
});
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
