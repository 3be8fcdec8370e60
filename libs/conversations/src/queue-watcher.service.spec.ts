import { sql } from 'kysely';
import { InProcessPagePacer } from '@app/meta';
import { LeaderElection } from '@app/persistence';
import { OutboxDispatcher } from './outbox-dispatcher.service';
import { QueueWatcher } from './queue-watcher.service';
import { conversationTestBed, ConversationTestBed } from './testing/conversation-test-bed';

describe('QueueWatcher', () => {
  let bed: ConversationTestBed;
  let watcher: QueueWatcher;

  beforeEach(async () => {
    bed = await conversationTestBed({ env: { QUEUE_TIMEOUT_MS: '600000', QUEUE_TIMEOUT_MESSAGE: 'Still waiting, sorry!' } });
    // The dispatcher is never started here: the watcher only kicks it.
    const outbox = new OutboxDispatcher(bed.persistence, bed.channels, bed.bus, bed.config, new InProcessPagePacer(10), bed.clock);
    const election = new LeaderElection({ database: bed.config.database });
    watcher = new QueueWatcher(bed.config, bed.persistence, bed.units, outbox, bed.clock, election, bed.channels);
  });
  afterEach(() => bed.close());

  async function waitingLong(): Promise<string> {
    const conversation = await bed.conversation();
    await bed.repos.conversations.update(conversation.id, {
      state: 'QUEUED',
      queued_at: bed.clock.now() - 600_000,
      queue_position_told: 1,
      queue_timeout_told_at: null,
    });
    return conversation.id;
  }

  it('should tell a customer whose wait got long once', async () => {
    const id = await waitingLong();
    expect(await watcher.tick()).toBe(1);
    expect(await watcher.tick()).toBe(0);
    const notices = (await bed.messages(id)).filter((m) => m.author === 'system');
    expect(notices.map((m) => m.text)).toEqual(['Still waiting, sorry!']);
  });

  it('should not lose a notice whose queueing failed: the claim rolls back with it, and the next pass sends it', async () => {
    const id = await waitingLong();
    await sql`create trigger outbox_down before insert on messages begin select raise(abort, 'disk I/O error'); end`.execute(
      bed.persistence.db,
    );
    const first = await watcher.tick().then(
      (n) => `queued ${n}`,
      (error: Error) => error.message,
    );
    expect(first).toMatch(/disk I\/O error/);
    await sql`drop trigger outbox_down`.execute(bed.persistence.db);
    expect(await watcher.tick()).toBe(1);
    expect((await bed.messages(id)).filter((m) => m.author === 'system').map((m) => m.text)).toEqual(['Still waiting, sorry!']);
  });
});
