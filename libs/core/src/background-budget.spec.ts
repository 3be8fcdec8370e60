import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackgroundBudget } from './background-budget';

/**
 * Units "cost" time on a fake monotonic clock (each advances it as it runs), so a slice's budget is
 * spent after a known number of units; what runs between them is the real event loop.
 */
describe('BackgroundBudget', () => {
  let elapsedMs: number;
  let budget: BackgroundBudget;

  beforeEach(() => {
    elapsedMs = 0;
    budget = new BackgroundBudget(4, () => elapsedMs);
  });

  /** A background worker: `units` units costing `costMs` each, each asking for its turn first. */
  async function worker(name: string, units: number, log: string[], costMs = 1): Promise<void> {
    for (let i = 0; i < units; i++) {
      await budget.turn();
      log.push(`${name}${i}`);
      elapsedMs += costMs;
    }
  }

  it("runs each foreground callback in its caller's async context, not in that of whoever scheduled the hop", async () => {
    const store = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    await new Promise<void>((resolve) => {
      store.run('first caller', () => budget.foreground(() => seen.push(store.getStore())));
      store.run('second caller', () =>
        budget.foreground(() => {
          seen.push(store.getStore());
          resolve();
        }),
      );
    });
    expect(seen).toEqual(['first caller', 'second caller']);
  });

  it('runs units back to back in one turn of the event loop until the slice is spent, then lets the loop go round', async () => {
    const log: string[] = [];
    setImmediate(() => log.push('immediate')); // e.g. a request's callback, queued before the work started
    await worker('a', 6, log);
    expect(log).toEqual(['a0', 'a1', 'a2', 'a3', 'immediate', 'a4', 'a5']);
  });

  it('serves requests read from a socket between background units, and runs their foreground work before the next slice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccm-budget-'));
    const path = join(dir, 'intake.sock');
    const log: string[] = [];
    let answered = 0;
    // Ten webhooks one after the other (each sent once the last was answered), so they are read in
    // different turns of the loop, whichever of its hops the budget has pending there.
    const server = createServer((socket) =>
      socket
        .on('error', () => undefined)
        .on('data', () => {
          log.push('request');
          budget.foreground(() => {
            log.push('commit'); // the intake's group commit of the webhooks read in this turn of the loop
            answered += 1;
            socket.write('200');
          });
        }),
    );
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const client = connect(path, () => client.write('POST'));
    client.on('data', () => answered < 10 && client.write('POST')).on('error', () => undefined);
    try {
      // Endless background work (bounded only so a gate that never yields fails instead of hanging):
      // it goes on until the ten requests were answered and four more units ran.
      let after = 0;
      for (let i = 0; i < 200_000 && after < 4; i++) {
        await budget.turn();
        log.push('unit');
        if (answered === 10) after += 1;
        elapsedMs += 1;
      }
    } finally {
      await new Promise<void>((resolve) => client.end(() => resolve()));
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
    expect(log.indexOf('request')).toBeGreaterThan(0); // read while the background work was still going
    expect(log.filter((entry) => entry === 'request')).toHaveLength(10);
    // Each request's commit came before any further background unit.
    log.forEach((entry, i) => entry === 'request' && expect(log[i + 1]).toBe('commit'));
    expect(log.slice(-4)).toEqual(['unit', 'unit', 'unit', 'unit']);
  });

  it('lets waiting units go one at a time, so a slice ends within one unit of its budget however many wait', async () => {
    const log: string[] = [];
    let loopTurns = 0;
    let counting = true;
    const count = () => {
      loopTurns += 1;
      log.push(`turn ${loopTurns}`);
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    // Ten workers start together (a pass handing out ten conversations), three units each.
    await Promise.all(Array.from({ length: 10 }, (_, w) => worker(String.fromCharCode(97 + w), 3, log)));
    counting = false;
    // Between two turns of the loop at most four units of 1 ms (the 4 ms slice) ran.
    const runs = log
      .join(' ')
      .split(/turn \d+/)
      .map((between) => between.trim().split(' ').filter(Boolean).length);
    expect(Math.max(...runs)).toBe(4);
    expect(log.filter((entry) => !entry.startsWith('turn'))).toHaveLength(30);
    // First come, first served: the ten first units went in the order the workers asked.
    expect(log.filter((entry) => entry.endsWith('0') && !entry.startsWith('turn'))).toEqual(
      Array.from({ length: 10 }, (_, w) => `${String.fromCharCode(97 + w)}0`),
    );
  });

  it('lets a unit waiting for I/O overlap with the next unit', async () => {
    const log: string[] = [];
    let release!: () => void;
    const io = new Promise<void>((resolve) => (release = resolve));
    const slow = (async () => {
      await budget.turn();
      log.push('slow starts');
      await io; // a PostgreSQL query, a Graph call
      log.push('slow ends');
    })();
    const quick = (async () => {
      await budget.turn();
      log.push('quick');
      release();
    })();
    await Promise.all([slow, quick]);
    expect(log).toEqual(['slow starts', 'quick', 'slow ends']);
  });

  it('never holds back a unit that starts after the loop went round (each I/O callback gets a fresh slice)', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      // A unit using most of a slice, then I/O (the next query's answer comes in a later turn of the loop):
      // the slices of different turns do not add up.
      const turn = budget.turn().then(() => 'ran at once');
      const immediate = new Promise<string>((resolve) => setImmediate(() => resolve('waited')));
      outcomes.push(await Promise.race([turn, immediate]));
      await turn;
      elapsedMs += 3;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(outcomes).toEqual(Array(5).fill('ran at once'));
    expect(budget.waiters).toBe(0);
  });
});
