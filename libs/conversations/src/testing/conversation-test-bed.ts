import { AgentQueueService } from '@app/agent-bridge';
import { BotConnector } from '@app/bot';
import { CcmConfig, Env, loadCcmConfig } from '@app/config';
import { InboundEvent, ListedExtensions } from '@app/core';
import { ConversationRow, migrateToLatest, openDatabase, PersistenceService } from '@app/persistence';
import { RoutingPolicyService } from '@app/routing';
import { FakeClock, RecordingChannel, ScriptedBot } from '@app/testing';
import { ActivityApplier } from '../appliers/activity.applier';
import { CustomerMessageApplier } from '../appliers/customer-message.applier';
import { EchoApplier } from '../appliers/echo.applier';
import { MessageEditApplier } from '../appliers/message-edit.applier';
import { ReactionApplier } from '../appliers/reaction.applier';
import { LoggedPageEventApplier } from '../appliers/page-event.applier';
import { ReceiptApplier } from '../appliers/receipt.applier';
import { ChannelRegistry } from '../channel-registry.service';
import { ConversationBus, ConversationBusEvent } from '../conversation-bus.service';
import { KnownConversations } from '../known-conversations';
import { ConversationHandler } from '../conversation-handler.service';
import { ConversationHookRunner } from '../conversation-hooks';
import { ConversationUnits } from '../conversation-unit';
import { journalRow } from '../inbound-intake.service';
import { InboundAppliers } from '../inbound-applier';
import { TurnWriter } from '../turn/turn-writer';

export const TEST_PAGE_ID = '1234567890';

/**
 * The conversation core, built from its real classes on an in-memory SQLite database with a fake
 * clock, for unit specs. Only the world outside ccm is a double: the bot (`ScriptedBot`) and the
 * channel (`RecordingChannel`). `extensions` may add more extensions (hooks, channel appliers).
 */
export async function conversationTestBed(
  options: { env?: Env; bot?: BotConnector; extensions?: object[] } = {},
): Promise<ConversationTestBed> {
  const open = await openDatabase({ dialect: 'sqlite', url: ':memory:' });
  await migrateToLatest(open);
  const persistence = new PersistenceService(open);
  const clock = new FakeClock(Date.UTC(2026, 10, 30, 12));
  const config = loadCcmConfig({
    FACEBOOK_APP_SECRET: 'test-app-secret',
    FACEBOOK_VERIFY_TOKEN: 'test-verify-token',
    FACEBOOK_PAGE_ACCESS_TOKEN: 'test-page-token',
    FACEBOOK_PAGE_ID: TEST_PAGE_ID,
    ...options.env,
  });
  const instances: object[] = [];
  const extensions = new ListedExtensions(instances);
  const bus = new ConversationBus();
  const published: ConversationBusEvent[] = [];
  bus.subscribe((e) => void published.push(e));
  const units = new ConversationUnits(persistence, bus, clock);
  const hooks = new ConversationHookRunner(extensions);
  const channels = new ChannelRegistry(extensions);
  const channel = new RecordingChannel('messenger');
  const bot = options.bot ?? new ScriptedBot();
  const routing = new RoutingPolicyService(config, persistence, extensions);
  const writer = new TurnWriter(new AgentQueueService(config), hooks, channels);
  instances.push(
    channel,
    new CustomerMessageApplier(routing, config, channels, writer, hooks, persistence, bot),
    new EchoApplier(),
    new ReceiptApplier(),
    new MessageEditApplier(),
    new ReactionApplier(),
    new ActivityApplier(),
    new LoggedPageEventApplier(),
    ...(options.extensions ?? []),
  );
  const known = new KnownConversations();
  const handler = new ConversationHandler(persistence, units, new InboundAppliers(extensions), config, known, clock);
  return new ConversationTestBed(persistence, clock, config, handler, channel, published, units, channels, bus, known);
}

export class ConversationTestBed {
  private sequence = 0;

  constructor(
    readonly persistence: PersistenceService,
    readonly clock: FakeClock,
    readonly config: CcmConfig,
    readonly handler: ConversationHandler,
    readonly channel: RecordingChannel,
    /** What was published on the bus (after each commit). */
    readonly published: ConversationBusEvent[],
    readonly units: ConversationUnits,
    readonly channels: ChannelRegistry,
    readonly bus: ConversationBus,
    /** The conversation ids an intake built on this bed remembers (shared with the handler, as in the app). */
    readonly known: KnownConversations,
  ) {}

  get repos() {
    return this.persistence.repos;
  }

  async conversation(customerId = '5000000001', channel = 'messenger'): Promise<ConversationRow> {
    return this.repos.conversations.ensure({ channel, pageId: TEST_PAGE_ID, customerId }, this.clock.now());
  }

  /** A customer's text message, happening now. */
  message(text: string, more: Partial<InboundEvent> = {}): InboundEvent {
    this.sequence += 1;
    return this.event({ kind: 'message', mid: `m_in_${this.sequence}`, text, userOriginated: true, ...more });
  }

  event(fields: Partial<InboundEvent> & Pick<InboundEvent, 'kind'>): InboundEvent {
    this.sequence += 1;
    return {
      channel: 'messenger',
      pageId: TEST_PAGE_ID,
      customerId: '5000000001',
      timestamp: this.clock.now(),
      dedupeKey: `test:${this.sequence}`,
      standby: false,
      userOriginated: false,
      raw: {},
      ...fields,
    };
  }

  /** Journals the event as intake would, and applies it as the processor would; returns the journal row's status. */
  async deliver(event: InboundEvent): Promise<string> {
    const conversationId = event.customerId
      ? (
          await this.repos.conversations.ensure(
            { channel: event.channel, pageId: event.pageId, customerId: event.customerId },
            this.clock.now(),
          )
        ).id
      : null;
    await this.repos.journal.record([journalRow(event, conversationId, this.clock.now())]);
    const row = await this.persistence.db
      .selectFrom('inbound_events')
      .selectAll()
      .where('dedupe_key', '=', event.dedupeKey)
      .executeTakeFirstOrThrow();
    await this.handler.handle(row.id, event, conversationId ?? undefined);
    return (await this.persistence.db.selectFrom('inbound_events').select('status').where('id', '=', row.id).executeTakeFirstOrThrow())
      .status;
  }

  async messages(conversationId: string) {
    return this.repos.messages.listForConversation(conversationId);
  }

  async auditTypes(conversationId: string): Promise<string[]> {
    return (await this.repos.conversationEvents.listForConversation(conversationId)).map((e) => e.type);
  }

  async close(): Promise<void> {
    await this.persistence.close();
  }
}
