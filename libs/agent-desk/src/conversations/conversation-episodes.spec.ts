import { MessageAuthor } from '@app/core';
import { ConversationEventRow, migrateToLatest, openDatabase, PersistenceService } from '@app/persistence';
import { FakeClock } from '@app/testing';
import { agentDeskMigrations } from '../migrations';
import { episodeRating, finishedEpisodes } from './conversation-episodes';

const event = (id: number, type: string, at: number, actor = 'agent-1'): ConversationEventRow => ({
  id,
  conversation_id: 'c',
  type,
  from_state: null,
  to_state: null,
  reason: null,
  actor,
  created_at: at,
});

describe('conversation episodes', () => {
  it('should end an episode at each close or return to the bot', () => {
    const events = [
      event(1, 'handover', 100),
      event(2, 'assign', 110),
      event(3, 'close', 200),
      event(4, 'customer_message', 300),
      event(5, 'handover', 300),
      event(6, 'return_to_bot', 400, 'routing'),
    ];

    const episodes = finishedEpisodes(events, 100);

    expect(episodes.map((e) => [e.endEventId, e.outcome, e.endedBy, e.after, e.endedAt])).toEqual([
      [3, 'closed', 'agent-1', 99, 200],
      [6, 'returned_to_bot', 'routing', 200, 400],
    ]);
  });

  /** The rating of an episode's question, read from messages in SQLite (the one rule the live desk uses too). */
  describe('rating', () => {
    let persistence: PersistenceService;
    let clock: FakeClock;
    let conversationId: string;

    beforeEach(async () => {
      const open = await openDatabase({ dialect: 'sqlite', url: ':memory:' });
      await migrateToLatest(open, [agentDeskMigrations]);
      persistence = new PersistenceService(open);
      clock = new FakeClock(0);
      conversationId = (await persistence.repos.conversations.ensure({ channel: 'messenger', pageId: 'p', customerId: 'u' }, 0)).id;
    });
    afterEach(() => persistence.close());

    let mids = 0;
    const write = async (
      at: number,
      direction: 'in' | 'out',
      text: string,
      author: MessageAuthor = direction === 'in' ? 'customer' : 'agent',
      content: unknown = null,
    ) => {
      clock.set(at);
      await persistence.db
        .insertInto('messages')
        .values({
          conversation_id: conversationId,
          direction,
          author,
          text,
          content: content === null ? null : JSON.stringify(content),
          mid: `m-${++mids}`,
          status: direction === 'in' ? 'received' : 'sent',
          attempts: 0,
          next_attempt_at: null,
          lease_until: null,
          error: null,
          event_ts: null,
          created_at: clock.now(),
          sent_at: null,
          sent_by_agent_id: null,
          sent_by_name: null,
        })
        .execute();
    };
    const question = (at: number) =>
      write(at, 'out', 'How would you rate this conversation?', 'system', { kind: 'text', quickReplies: [{ payload: 'CSAT_1' }] });
    const rating = (endedAt: number, endsAt = Infinity) => episodeRating(persistence.repos.messages, conversationId, { endedAt }, endsAt);

    it('should give each rated close its own answer, not one given to a later question', async () => {
      await write(100, 'in', 'help');
      await question(200);
      await write(250, 'in', 'thanks'); // not a rating: the first close stays unrated
      await question(400);
      await write(450, 'in', '5');

      expect(await rating(200, 400)).toBeNull();
      expect(await rating(400)).toBe(5);
    });

    it('should take only the customer’s first message after the question as its answer', async () => {
      await write(100, 'in', 'help');
      await question(200);
      await write(300, 'in', ' 4 ');
      expect(await rating(200)).toBe(4);

      await question(400); // ignored
      await write(90_000_000, 'in', 'hi again'); // a day later: the question is over, unrated
      await write(90_000_100, 'out', 'Pick one: 1 Orders, 2 Returns', 'bot');
      await write(90_000_200, 'in', '2'); // a bot option, no rating
      expect(await rating(400)).toBeNull();
    });

    it('should not take an answer from after the conversation ended again', async () => {
      // Given back to the bot with the question at 200; taken up and closed at 400 before the customer wrote.
      await write(100, 'in', 'help');
      await question(200);
      await write(300, 'out', 'Anything else?');
      await write(500, 'in', '2');
      expect(await rating(200, 400)).toBeNull();
    });
  });
});
