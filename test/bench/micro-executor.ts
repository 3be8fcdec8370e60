/**
 * A microbenchmark of the statement path around SQLite (not part of `npm run bench`): units shaped like
 * a turn's transaction (lock the conversation noting the customer's event, store the inbound message,
 * read what was said since, queue the reply) plus the reply's mark-sent outside it, back to back on a
 * SQLite file, CPU time per unit from `process.cpuUsage`. Usage:
 *
 *   node -r @swc-node/register test/bench/micro-executor.ts [units=2000] [rounds=5]
 *
 * `MICRO_MODE=statements`: ten template reads in a transaction and ten outside per unit instead.
 * `MICRO_CONTEXT=1`: the app's async contexts (correlation id, work fence, Page pacer) are in use, as
 * in the server (each costs on every promise once used), and units run under a correlation id.
 */
import { createHook } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessPagePacer } from '@app/meta';
import { runWithCorrelation } from '@app/observability';
import { migrateToLatest, openDatabase, PersistenceService, runFenced } from '@app/persistence';

async function main(): Promise<void> {
  const units = Number(process.argv[2] ?? 2000);
  const rounds = Number(process.argv[3] ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'micro-executor-'));
  const open = await openDatabase({ dialect: 'sqlite', url: join(dir, 'ccm.sqlite') });
  await migrateToLatest(open);
  const persistence = new PersistenceService(open);
  const conversations: { id: string }[] = [];
  for (let i = 0; i < 100; i++)
    conversations.push(await persistence.repos.conversations.ensure({ channel: 'messenger', pageId: 'P', customerId: `c${i}` }, 1000));
  let n = 0;
  const statements = process.env.MICRO_MODE === 'statements';
  const unit = statements
    ? async () => {
        // Ten template reads in a transaction and ten outside: the executor's cost per statement.
        const conversation = conversations[n++ % conversations.length];
        await persistence.transaction(async (repos) => {
          for (let i = 0; i < 10; i++) await repos.messages.outboundSinceLastInbound(conversation.id);
        });
        for (let i = 0; i < 10; i++) await persistence.repos.messages.outboundSinceLastInbound(conversation.id);
      }
    : async () => {
        const at = 2000 + n++;
        const conversation = conversations[n % conversations.length];
        const id = await persistence.transaction(async (repos) => {
          await repos.conversations.lockNotingUserEvent(conversation.id, at, at);
          await repos.messages.insertOnce({
            conversation_id: conversation.id,
            direction: 'in',
            author: 'customer',
            text: `hello ${at}`,
            mid: `m${at}`,
            status: 'received',
            created_at: at,
          } as never);
          await repos.messages.outboundSinceLastInbound(conversation.id);
          return repos.messages.enqueue({ conversation_id: conversation.id, author: 'bot', text: `reply ${at}`, created_at: at } as never);
        });
        await persistence.repos.messages.markSent(id, `out${at}`, at);
      };
  if (process.env.MICRO_CONTEXT) {
    await runFenced({ table: 'inbound_events', id: 0, owner: 'micro', epoch: 0 }, async () => undefined);
    await new InProcessPagePacer(10).withReservation('P', async () => undefined);
  }
  const run = unit;
  const inContext = () => runWithCorrelation('ev-micro', run);
  const measured = process.env.MICRO_CONTEXT ? inContext : run;
  for (let i = 0; i < 500; i++) await measured(); // warm-up
  // Async resources (promises mostly) created per unit: each pays the AsyncLocalStorage hooks in the app.
  let created = 0;
  const hook = createHook({ init: () => void created++ }).enable();
  for (let i = 0; i < 100; i++) await measured();
  hook.disable();
  process.stdout.write(`async resources per unit: ${(created / 100).toFixed(1)}\n`);
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < units; i++) await measured();
    const used = process.cpuUsage(start);
    results.push((used.user + used.system) / units);
  }
  process.stdout.write(`µs CPU per unit: ${results.map((v) => v.toFixed(1)).join(' ')}\n`);
  await persistence.close();
  rmSync(dir, { recursive: true, force: true });
}

void main();
