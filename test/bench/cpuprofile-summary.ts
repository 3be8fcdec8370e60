/**
 * Sums the self time of a V8 CPU profile (`BENCH_PROFILE_OUT=<dir> npm run bench:profile` writes
 * `e2e.cpuprofile` and `intake.cpuprofile`) by where the code lives — a package of node_modules, a
 * lib or app of ccm, Node's own modules, GC — and by function, as shares of the busy time (idle
 * excluded). Usage:
 *
 *   node -r @swc-node/register test/bench/cpuprofile-summary.ts <file.cpuprofile> [top=40] [filter]
 *
 * `filter`: only functions whose area or name contains it (e.g. `kysely`, `libs/persistence`).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The area a script belongs to: `kysely`, `libs/persistence`, `node:internal`, `(garbage collector)`… */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const own = /\/(libs|apps|test)\/([^/]+)\//.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  if (url.startsWith('node:')) return 'node:internal';
  return url;
}

function main(): void {
  const [file, topArg, filter] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpuprofile-summary.ts <file.cpuprofile> [top] [filter]');
  const top = Number(topArg ?? 40);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, micros] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += micros;
      continue;
    }
    busy += micros;
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    const name = `${area}  ${functionName || '(anonymous)'}${url ? `:${lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
  }
  // Inclusive: the time with an area anywhere on the stack (each sample counted once per area).
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  profile.samples.forEach((leaf, i) => {
    if (byId.get(leaf)!.callFrame.functionName === '(idle)') return;
    const seen = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const { url, functionName } = byId.get(id)!.callFrame;
      if (functionName === '(root)') continue;
      seen.add(areaOf(url, functionName));
    }
    for (const area of seen) inclusive.set(area, (inclusive.get(area) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const pct = (micros: number) => `${((100 * micros) / Math.max(1, busy)).toFixed(1).padStart(5)} %`;
  const ms = (micros: number) => `${(micros / 1000).toFixed(0).padStart(7)} ms`;
  process.stdout.write(`${file}: busy ${ms(busy)}, idle ${ms(idle)}\n\nby area:\n`);
  for (const [area, micros] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, top))
    if (!filter || area.includes(filter)) process.stdout.write(`${pct(micros)} ${ms(micros)}  ${area}\n`);
  process.stdout.write('\nby area, inclusive (on the stack):\n');
  for (const [area, micros] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top))
    if (!filter || area.includes(filter)) process.stdout.write(`${pct(micros)} ${ms(micros)}  ${area}\n`);
  process.stdout.write('\nby function (self time):\n');
  for (const [name, micros] of [...functions]
    .sort((a, b) => b[1] - a[1])
    .filter(([n]) => !filter || n.includes(filter))
    .slice(0, top))
    process.stdout.write(`${pct(micros)} ${ms(micros)}  ${name}\n`);
}

if (require.main === module) main();
