import { Logger } from '@nestjs/common';
import { sql } from 'kysely';
import { DeliveryError } from '@app/core';
import { InProcessPagePacer } from '@app/meta';
import { OutboxDispatcher } from './outbox-dispatcher.service';
import { enqueueOutbound } from './outbox-writer';
import { conversationTestBed, ConversationTestBed } from './testing/conversation-test-bed';

describe('OutboxDispatcher', () => {
  let bed: ConversationTestBed;
  let outbox: OutboxDispatcher;

  beforeEach(async () => {
    bed = await conversationTestBed({ env: { OUTBOX_RETRY_BASE_MS: '1000', OUTBOX_MAX_ATTEMPTS: '3' } });
    // Paced on the fake clock too; the loop is never started: each pass is run by the spec.
    outbox = new OutboxDispatcher(
      bed.persistence,
      bed.channels,
      bed.bus,
      bed.config,
      new InProcessPagePacer(100, () => bed.clock.now()),
      bed.clock,
    );
  });
  afterEach(() => bed.close());

  async function queued(text: string): Promise<{ conversationId: string; id: number }> {
    const conversation = await bed.conversation();
    await bed.repos.conversations.update(conversation.id, { last_user_event_at: bed.clock.now() });
    const [id] = await enqueueOutbound(bed.repos, conversation.id, 'bot', { kind: 'text', text }, bed.clock.now(), 'm_customer_1');
    return { conversationId: conversation.id, id };
  }

  it('should send a queued message with the customer message it answers, and record it sent at the clock time', async () => {
    const { id } = await queued('Hello!');
    await outbox.runOnce();
    expect(bed.channel.sent.map((s) => s.message)).toEqual([
      { id, author: 'bot', content: { kind: 'text', text: 'Hello!' }, replyTo: 'm_customer_1' },
    ]);
    expect(await bed.repos.messages.findById(id)).toMatchObject({ status: 'sent', mid: 'm_1', sent_at: bed.clock.now(), attempts: 1 });
  });

  it('should retry a transient failure only once its backoff has passed on the clock', async () => {
    const { id } = await queued('Hello!');
    bed.channel.failNextSends.push(new DeliveryError('transient', 'Meta hiccup'), new DeliveryError('transient', 'again'));
    await outbox.runOnce();
    const afterFirst = await bed.repos.messages.findById(id);
    expect(afterFirst).toMatchObject({ status: 'queued', attempts: 1 });
    expect(afterFirst!.next_attempt_at).toBeGreaterThan(bed.clock.now());
    await outbox.runOnce(); // not due yet: nothing is tried
    expect(bed.channel.failNextSends).toHaveLength(1);
    bed.clock.set(afterFirst!.next_attempt_at!);
    await outbox.runOnce();
    expect(bed.channel.failNextSends).toHaveLength(0);
    bed.clock.advance(60_000);
    await outbox.runOnce();
    expect(await bed.repos.messages.findById(id)).toMatchObject({ status: 'sent', attempts: 3 });
    expect(bed.channel.sent).toHaveLength(1);
  });

  it('should fail a message at once on a permanent error', async () => {
    const { id } = await queued('Hello!');
    bed.channel.failNextSends.push(new DeliveryError('permanent', 'no such user'));
    await outbox.runOnce();
    expect(await bed.repos.messages.findById(id)).toMatchObject({ status: 'failed' });
    expect(bed.published).toContainEqual(expect.objectContaining({ type: 'message.status', messageId: id, status: 'failed' }));
  });

  it('should never send again a message the channel accepted when recording it fails for a while', async () => {
    const { id } = await queued('Hello!');
    await sql`create trigger no_mark_sent before update of status on messages when new.status = 'sent'
      begin select raise(abort, 'database is locked'); end`.execute(bed.persistence.db);
    const warnings: string[] = [];
    Logger.overrideLogger({ log: () => undefined, error: () => undefined, warn: (m: unknown) => void warnings.push(String(m)) });
    try {
      const pass = outbox.runOnce();
      // Recording the accepted send fails (and is retried) until the database works again.
      while (!warnings.some((w) => w.includes('was sent but recording it failed'))) await new Promise((r) => setTimeout(r, 5));
      await sql`drop trigger no_mark_sent`.execute(bed.persistence.db);
      await pass;
    } finally {
      Logger.overrideLogger(['error', 'warn']);
    }
    expect(await bed.repos.messages.findById(id)).toMatchObject({ status: 'sent', mid: 'm_1' });
    bed.clock.advance(60 * 60_000);
    await outbox.runOnce();
    expect(bed.channel.sent).toHaveLength(1);
  });
});
