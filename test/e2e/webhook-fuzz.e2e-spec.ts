import fc from 'fast-check';
import { CcmHarness, startCcm } from '../helpers/ccm-harness';
import { fixtureNames, loadFixture, testPsid } from '../helpers/fixtures';

jest.setTimeout(240_000);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value inside a JSON document. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

/** Replaces (or deletes) the value at `path`; the root cannot be deleted. */
function mutate(doc: Json, path: (string | number)[], replacement: Json, remove: boolean): Json {
  if (path.length === 0) return replacement;
  const copy = structuredClone(doc) as { [key: string]: Json } | Json[];
  let parent: Json = copy;
  for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[key];
  const last = path[path.length - 1];
  if (remove && Array.isArray(parent)) parent.splice(last as number, 1);
  else if (remove) delete (parent as Record<string, Json>)[last as string];
  else (parent as Record<string | number, Json>)[last] = replacement;
  return copy;
}

describe('webhook fuzzing (correctly signed, random and mutated payloads)', () => {
  let h: CcmHarness;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    h = await startCcm();
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await h.close();
  });

  it('should never answer 5xx, crash, leave an unhandled rejection or grow memory without bound', async () => {
    // Without a forced GC the heap figure is mostly garbage; `npm test` runs jest under node --expose-gc.
    if (!global.gc) throw new Error('run this test with node --expose-gc (npm test does) so heap use can be measured');
    const fixtures = fixtureNames().map((name) => loadFixture(name, { MID: 'm_fuzz', MESSAGE_ID: 1 }) as Json);
    const mutated = fc
      .tuple(
        fc.constantFrom(...fixtures),
        fc.array(fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>, fc.boolean()), { minLength: 1, maxLength: 4 }),
      )
      .map(([doc, edits]) =>
        edits.reduce((d, [n, replacement, remove]) => {
          const all = paths(d);
          return mutate(d, all[n % all.length], replacement, remove);
        }, doc),
      );
    const random = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>;
    const envelopeWithRandomItems = fc
      .array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 })
      .map((items) => ({ object: 'page', entry: [{ id: '1234567890', time: Date.now(), messaging: items }] }) as Json);
    const payloads = fc.oneof(
      { weight: 3, arbitrary: mutated },
      { weight: 1, arbitrary: random },
      { weight: 1, arbitrary: envelopeWithRandomItems },
    );

    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const heap: number[] = [];
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      const batch = fc.sample(payloads, { numRuns: 500, seed: 4242 + round });
      for (let i = 0; i < batch.length; i += 25) {
        const responses = await Promise.all(
          batch.slice(i, i + 25).map((body) => h.simulator.post(typeof body === 'string' ? JSON.stringify(body) : body)),
        );
        responses.forEach((r, k) => {
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status >= 500 && failures.length < 3) failures.push(JSON.stringify(batch[i + k]).slice(0, 2000));
        });
      }
      global.gc();
      heap.push(process.memoryUsage().heapUsed);
    }

    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(3000);
    expect(failures).toEqual([]); // the first payloads that got a 5xx, to reproduce
    expect([...statuses.keys()].every((s) => [200, 400, 404].includes(s))).toBe(true);
    expect(statuses.get(200)).toBeGreaterThan(500); // plenty of mutated payloads were still valid webhooks
    expect(unhandled).toEqual([]);
    // Memory: after the first round warmed up caches, the heap does not keep climbing.
    const growthMb = (heap[heap.length - 1] - heap[1]) / 1024 / 1024;
    process.stdout.write(
      `fuzz: ${JSON.stringify(Object.fromEntries(statuses))}; heap per round (MB): ${heap.map((b) => (b / 1024 / 1024).toFixed(0)).join(', ')}\n`,
    );
    expect(growthMb).toBeLessThan(16);
    // The app still works after all that (mutated policy-enforcement fixtures legitimately blocked the page).
    await h.persistence.repos.pageStates.setBlocked('1234567890', false, null, Date.now());
    const { response } = await h.simulator.sendText(testPsid('after-fuzz'), 'where is my order');
    expect(response.status).toBe(200);
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('after-fuzz')).length === 1, 10_000);
  });
});
