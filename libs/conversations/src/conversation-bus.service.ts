import { Injectable, Logger } from '@nestjs/common';
import { ConversationState, MessageAuthor, MessageDirection, MessageStatus } from '@app/core';
import { ConversationRow } from '@app/persistence';

/** Something that happened to a conversation, published after it was committed to the database. */
export type ConversationBusEvent =
  | {
      type: 'message.created';
      conversationId: string;
      messageId: number;
      direction: MessageDirection;
      author: MessageAuthor;
      /**
       * The conversation as the transaction that stored the message read it under its row lock, when
       * it did (a customer message the bot answered): a listener that only needs to know whether
       * something was set on it (a snooze, an open satisfaction question) need not read it again.
       */
      conversation?: ConversationRow;
      /**
       * An outbound message stored already leased to this instance's sender and handed to it directly
       * (see `OutboxHandOff`): the outbox need not claim it.
       */
      handedOff?: boolean;
    }
  | { type: 'message.status'; conversationId: string; messageId: number; status: MessageStatus; error?: string }
  /** A stored message changed in place (the customer edited it, or reacted to it). */
  | { type: 'message.updated'; conversationId: string; messageId: number; change: 'edit' | 'reaction' }
  | {
      type: 'conversation.state';
      conversationId: string;
      from: ConversationState;
      to: ConversationState;
      reason: string;
      /** Who did it (agent id, `system`, `routing`…) and who owned it before, when an agent was involved. */
      actor?: string;
      previousAgentId?: string | null;
    }
  | { type: 'customer.activity'; conversationId: string; kind: string };

export type ConversationBusListener = (event: ConversationBusEvent) => void | Promise<void>;

/**
 * In-process fan-out of conversation events to whoever shows them live (agent desk, chat-server
 * bridge). The database stays the source of truth; listeners re-read what they need. A realtime
 * transport across instances (Redis) plugs in as one more listener/publisher.
 */
@Injectable()
export class ConversationBus {
  private readonly logger = new Logger(ConversationBus.name);
  private readonly listeners = new Set<ConversationBusListener>();

  subscribe(listener: ConversationBusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Calls every listener after the publisher's own code has run on (in one microtask, in order of
   * subscription); a listener that throws or rejects is logged and stops none of the others. One
   * microtask for all of them, not three promises per listener: a message publishes several events,
   * each with half a dozen listeners, and every promise pays the AsyncLocalStorage hooks.
   */
  publish(event: ConversationBusEvent): void {
    if (this.listeners.size === 0) return;
    const listeners = [...this.listeners]; // those subscribed when it was published, as before
    queueMicrotask(() => {
      for (const listener of listeners) {
        try {
          const done = listener(event);
          if (done instanceof Promise) done.catch((error: unknown) => this.failed(event, error));
        } catch (error) {
          this.failed(event, error);
        }
      }
    });
  }

  private failed(event: ConversationBusEvent, error: unknown): void {
    this.logger.warn(`listener failed on ${event.type}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
