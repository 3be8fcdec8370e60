import { Injectable, Logger } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { Clock, InboundEvent } from '@app/core';
import { ConversationRow, conversationKeyString, fenceFinishesWork, PersistenceService } from '@app/persistence';
import { ConversationUnits } from './conversation-unit';
import { InboundAppliers } from './inbound-applier';
import { KnownConversations } from './known-conversations';

/**
 * Applies one journaled inbound event: picks the applier of its kind (and channel), lets it prepare
 * outside the transaction (e.g. ask the bot), then applies it and marks the journal row done in one
 * unit of work — a crash or a redelivery never produces a second reply. Live views are told after
 * the commit. Under the processor's lease the fence that opens the unit's transaction marks the row
 * done (`runFencedToFinish`: one statement for the lease check and the mark); otherwise the unit
 * marks it at its end. Only this unit finishes the event: any transaction an applier opens before it
 * (a pause write, a connector saving state) just checks the lease, so a failure after it leaves the
 * event to be retried.
 */
/** The unit that carries the event's effects, so the one that marks it done. */
const APPLIES_THE_EVENT = { finishesWork: true } as const;

@Injectable()
export class ConversationHandler {
  private readonly logger = new Logger(ConversationHandler.name);

  constructor(
    private readonly persistence: PersistenceService,
    private readonly units: ConversationUnits,
    private readonly appliers: InboundAppliers,
    private readonly config: CcmConfig,
    private readonly known: KnownConversations,
    private readonly clock: Clock,
  ) {}

  /**
   * `known`: the conversation as the processor's claim of the event returned it (read no earlier than
   * this read would be, outside the transaction too); without it the conversation is read here.
   */
  async handle(journalId: number, event: InboundEvent, conversationId: string | undefined, known?: ConversationRow): Promise<void> {
    if (!conversationId) {
      const applier = this.appliers.forPage(event);
      await this.units.run(async (unit) => {
        await applier.apply(unit, event);
        if (!fenceFinishesWork()) await unit.repos.journal.markDone(journalId, unit.now);
      }, APPLIES_THE_EVENT);
      return;
    }
    const conversation =
      (known?.id === conversationId ? known : await this.persistence.repos.conversations.findById(conversationId)) ??
      (await this.recovered(conversationId, event));
    if (!conversation) throw new Error(`conversation ${conversationId} vanished`);
    const applier = this.appliers.forConversation(event);
    const prepared = applier.prepare ? await applier.prepare(event, conversation) : undefined;
    await this.units.run(async (unit) => {
      await applier.apply(unit, event, conversation, prepared);
      if (!fenceFinishesWork()) await unit.repos.journal.markDone(journalId, unit.now);
    }, APPLIES_THE_EVENT);
  }

  /**
   * The event's conversation is not in the database although the intake journaled the event under it:
   * the database lost the row after this instance remembered its id (a restore from a backup, a
   * failover to a replica that missed the last commits). The customer's conversation is read or
   * created again by its key, so their messages are answered rather than parked as dead, and the
   * intake forgets the lost id, so their next webhooks are journaled under the conversation that exists.
   */
  private async recovered(lostId: string, event: InboundEvent): Promise<ConversationRow | undefined> {
    if (!event.customerId) return undefined;
    const key = { channel: event.channel, pageId: event.pageId, customerId: event.customerId };
    this.known.forget(conversationKeyString(key));
    const id = (await this.persistence.repos.conversations.ensureMany([key], this.clock.now())).get(conversationKeyString(key));
    const conversation = id === undefined ? undefined : await this.persistence.repos.conversations.findById(id);
    if (conversation)
      this.logger.warn(
        `conversation ${lostId} is not in the database (restored or failed over?): ${event.channel} ${event.pageId}/${event.customerId} continues in conversation ${conversation.id}`,
      );
    return conversation;
  }

  /**
   * Tells the customer something went wrong (ERROR_MESSAGE_RESPONSE) when their message could not be
   * handled. The failed message still counts as the customer writing (it opens Meta's window), or the
   * apology itself could not be sent.
   */
  async apologize(conversationId: string, customerWroteAt: number): Promise<void> {
    const conversation = await this.persistence.repos.conversations.findById(conversationId);
    if (!conversation) return;
    this.logger.error(`conversation ${conversationId}: message could not be handled; sending the error message`);
    await this.units.run(async (unit) => {
      await unit.noteCustomerActivity(conversation.id, customerWroteAt);
      await unit.enqueue(conversation.id, 'system', { kind: 'text', text: this.config.messages.error });
    });
  }
}
