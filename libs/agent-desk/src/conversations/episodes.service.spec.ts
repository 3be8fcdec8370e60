import {
  KyselyPlugin,
  TableNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { loadCcmConfig } from '@app/config';
import { ListedExtensions, MessageAuthor } from '@app/core';
import { ChannelRegistry, ConversationBus, ConversationHookRunner, ConversationUnits } from '@app/conversations';
import { MediaLinks, MediaStoreService } from '@app/media';
import { migrateToLatest, openDatabase, PersistenceService } from '@app/persistence';
import { FakeClock, RecordingChannel } from '@app/testing';
import { Principal } from '../auth/principal';
import { agentDeskMigrations } from '../migrations';
import { AgentPresenceEvents } from '../realtime/agent-presence.events';
import { CustomerChannelActions } from '../sender-actions/customer-channel-actions';
import { ConversationViews } from './conversation-views.service';
import { DeskConversationsService } from './desk-conversations.service';
import { EpisodesService } from './episodes.service';

/** Counts, per table read, the statements and the rows they returned. */
class ReadCounter implements KyselyPlugin {
  readonly statements = new Map<string, number>();
  readonly rows = new Map<string, number>();
  private readonly tables = new WeakMap<object, string>();

  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    if (node.kind === 'SelectQueryNode') {
      const from = node.from?.froms[0];
      const table = from && TableNode.is(from) ? from.table.identifier.name : '?';
      this.tables.set(queryId, table);
      this.statements.set(table, (this.statements.get(table) ?? 0) + 1);
    }
    return node;
  }

  async transformResult({ result, queryId }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const table = this.tables.get(queryId);
    if (table) this.rows.set(table, (this.rows.get(table) ?? 0) + result.rows.length);
    return result;
  }
}

/** The contact panel's episode list over in-memory SQLite: what it shows, and what it reads to show it. */
describe(EpisodesService.name, () => {
  let persistence: PersistenceService;
  let clock: FakeClock;
  let reads: ReadCounter;
  let episodes: EpisodesService;
  const supervisor: Principal = { kind: 'agent', agentId: 'sup', role: 'supervisor', name: 'Sue' };

  beforeEach(async () => {
    const open = await openDatabase({ dialect: 'sqlite', url: ':memory:' });
    await migrateToLatest(open, [agentDeskMigrations]);
    reads = new ReadCounter();
    persistence = new PersistenceService({ ...open, db: open.db.withPlugin(reads) });
    clock = new FakeClock(Date.UTC(2026, 11, 1));
    const config = loadCcmConfig({
      FACEBOOK_APP_SECRET: 'test-app-secret',
      FACEBOOK_VERIFY_TOKEN: 'test-verify-token',
      FACEBOOK_PAGE_ACCESS_TOKEN: 'test-page-token',
      FACEBOOK_PAGE_ID: '1234567890',
    });
    const extensions = new ListedExtensions([new RecordingChannel('messenger')]);
    const channels = new ChannelRegistry(extensions);
    const bus = new ConversationBus();
    const desk = new DeskConversationsService(
      persistence,
      bus,
      new CustomerChannelActions(channels),
      new ConversationUnits(persistence, bus, clock),
      new ConversationHookRunner(extensions),
      new ConversationViews(persistence, channels, config, clock),
      new AgentPresenceEvents(),
      clock,
      new MediaStoreService(config, persistence, clock, new MediaLinks(config)),
      config,
    );
    episodes = new EpisodesService(persistence, desk);
    for (const [id, name] of [
      ['ann', 'Ann'],
      ['bob', 'Bob'],
    ])
      await persistence.db
        .insertInto('agents')
        .values({
          id,
          username: id,
          display_name: name,
          password_hash: 'x',
          role: 'agent',
          status: 'away',
          last_seen_at: null,
          max_chats: 3,
          disabled: 0,
          created_at: clock.now(),
          updated_at: clock.now(),
          status_changed_at: clock.now(),
        })
        .execute();
  });
  afterEach(() => persistence.close());

  let mids = 0;
  async function write(
    conversationId: string,
    direction: 'in' | 'out',
    text: string,
    author: MessageAuthor,
    agent?: string,
  ): Promise<void> {
    clock.advance(1000);
    await persistence.db
      .insertInto('messages')
      .values({
        conversation_id: conversationId,
        direction,
        author,
        text,
        content: author === 'system' ? JSON.stringify({ kind: 'text', quickReplies: [{ payload: 'CSAT_1' }] }) : null,
        mid: `m-${++mids}`,
        status: direction === 'in' ? 'received' : 'sent',
        attempts: 0,
        next_attempt_at: null,
        lease_until: null,
        error: null,
        event_ts: null,
        created_at: clock.now(),
        sent_at: null,
        sent_by_agent_id: agent ?? null,
        sent_by_name: agent === 'ann' ? 'Ann' : agent === 'bob' ? 'Bob' : null,
      })
      .execute();
  }
  async function end(conversationId: string, type: 'close' | 'return_to_bot', actor: string): Promise<void> {
    clock.advance(1000);
    await persistence.repos.conversationEvents.append({
      conversation_id: conversationId,
      type,
      from_state: 'AGENT',
      to_state: type === 'close' ? 'CLOSED' : 'BOT',
      reason: null,
      actor,
      created_at: clock.now(),
    });
  }
  const conversation = async (channel: string) =>
    (await persistence.repos.conversations.ensure({ channel, pageId: '1234567890', customerId: 'u' }, clock.now())).id;

  it('should list the newest episodes with who, how, the rating and the first line, reading only what it shows', async () => {
    const messenger = await conversation('messenger');
    // 40 contacts of 12 messages, each closed by Ann or Bob with the rating question, answered 1-5.
    for (let i = 0; i < 40; i++) {
      const agent = i % 2 === 0 ? 'ann' : 'bob';
      if (i > 0) await write(messenger, 'in', `${(i % 5) + 1}`, 'customer'); // the previous question's answer
      await write(messenger, 'in', `question ${i}`, 'customer');
      for (let j = 0; j < 5; j++) {
        await write(messenger, 'out', `answer ${i}.${j}`, 'agent', agent);
        await write(messenger, 'in', `more ${i}.${j}`, 'customer');
      }
      await end(messenger, 'close', agent);
      await write(messenger, 'out', 'How would you rate this conversation?', 'system');
    }
    // On another channel: one contact given back to the bot by routing, then one going on.
    const instagram = await conversation('instagram');
    await write(instagram, 'in', 'hi on instagram', 'customer');
    await end(instagram, 'return_to_bot', 'routing');
    await write(instagram, 'in', '  still there?  ', 'customer');
    await write(instagram, 'out', 'yes', 'bot');
    reads.statements.clear();
    reads.rows.clear();

    const list = await episodes.list(supervisor, messenger);

    expect(list).toHaveLength(30);
    expect(list[0]).toMatchObject({
      episodeId: null,
      conversationId: instagram,
      channel: 'instagram',
      outcome: 'ongoing',
      endedAt: null,
      endedBy: null,
      handledBy: [],
      firstLine: 'still there?',
      messageCount: 2,
    });
    expect(list[1]).toMatchObject({
      conversationId: instagram,
      outcome: 'returned_to_bot',
      endedBy: 'routing',
      handledBy: [],
      csatAsked: false,
      firstLine: 'hi on instagram',
      messageCount: 1,
    });
    expect(list[2]).toMatchObject({
      conversationId: messenger,
      outcome: 'closed',
      endedBy: 'Bob',
      handledBy: ['Bob'],
      csatAsked: true,
      csatRating: null, // the latest question is not answered yet
      firstLine: '5', // the customer's answer to the question before opened it
      messageCount: 13, // the answer, its 11 and the question sent at its close
    });
    expect(list[3]).toMatchObject({ endedBy: 'Ann', handledBy: ['Ann'], csatRating: 5, firstLine: '4' });
    // Contact k's question was answered by ((k + 1) % 5) + 1, the first message of contact k + 1.
    const contacts = Array.from({ length: 28 }, (_, n) => 39 - n);
    expect(list.slice(2).map((e) => e.csatRating)).toEqual(contacts.map((k) => (k === 39 ? null : ((k + 1) % 5) + 1)));
    // Agent names in one statement; of the 40 x 12 messages only a few rows per episode shown (counts, first lines, answers).
    expect(reads.statements.get('agents')).toBe(1);
    expect(reads.rows.get('messages')).toBeLessThanOrEqual(4 * 30);
  });

  it('should give one episode’s messages, oldest first, and 404 for an id that is no episode of it', async () => {
    const messenger = await conversation('messenger');
    await write(messenger, 'in', 'first', 'customer');
    await end(messenger, 'close', 'ann');
    await write(messenger, 'in', 'second', 'customer');
    await end(messenger, 'return_to_bot', 'bob');
    await write(messenger, 'in', 'third', 'customer');
    const [latest, first] = await episodes.list(supervisor, messenger);

    expect((await episodes.messages(supervisor, messenger, first.episodeId!)).map((m) => m.text)).toEqual(['first']);
    expect((await episodes.messages(supervisor, messenger, latest.episodeId!)).map((m) => m.text)).toEqual(['second']);
    await expect(episodes.messages(supervisor, messenger, latest.episodeId! + 100)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
