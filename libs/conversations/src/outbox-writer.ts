import { MessageAuthor, OutboundContent } from '@app/core';
import { currentCorrelationId } from '@app/observability';
import { ClaimedWork, ConversationTarget, MessageRow, Repositories } from '@app/persistence';
import { countCharacters, listChoiceOptions, PlainTextRenderer, RICH_MESSAGE_LIMITS, splitText } from '@app/templates';

const plainText = new PlainTextRenderer();

/**
 * The one way to put a message in the outbox. A text longer than Meta allows is split at paragraph,
 * sentence or word boundaries into several messages, queued in order (quick replies stay on the last
 * part, where the customer answers). Each part records the customer message it answers: `replyTo`
 * (a bot turn's own message), else the customer's latest message now. Returns the ids of the queued rows.
 */
export async function enqueueOutbound(
  repos: Repositories,
  conversationId: string,
  author: MessageAuthor,
  content: OutboundContent,
  now: number,
  replyTo?: string,
): Promise<number[]> {
  return (await queueOutbound(repos, conversationId, author, content, now, replyTo)).ids;
}

/**
 * This instance's sender, which can take a message stored already leased to it (no claim needed; see
 * `MessageRepository.enqueueLeased`) once the transaction that stored it has committed.
 */
export interface OutboxHandOff {
  /** The lease to store a message under, when this sender can take it (else undefined: queued as usual). */
  leaseFor(now: number): { owner: string; until: number } | undefined;
  /**
   * A message stored leased to this sender, committed: it is now the sender's to send, or to give
   * back. `conversation`: its target as the transaction that stored it left it.
   */
  takeLeased(work: ClaimedWork<MessageRow>, conversation: ConversationTarget): void;
}

/** A message stored leased to this instance's sender, and its conversation's target. */
export interface LeasedMessage {
  work: ClaimedWork<MessageRow>;
  conversation: ConversationTarget;
}

/**
 * `enqueueOutbound`, with the first part stored already leased to `lease.owner` when it is its
 * conversation's head (`leased`: that part's work, to hand to the sender once committed).
 */
export async function queueOutbound(
  repos: Repositories,
  conversationId: string,
  author: MessageAuthor,
  content: OutboundContent,
  now: number,
  replyTo?: string,
  lease?: { owner: string; until: number },
): Promise<{ ids: number[]; leased?: LeasedMessage }> {
  const answers = replyTo ?? (await repos.messages.latestInboundMid(conversationId)) ?? null;
  const parts: OutboundContent[] =
    content.kind === 'text' && countCharacters(content.text) > RICH_MESSAGE_LIMITS.textMaxChars
      ? splitText(content.text, RICH_MESSAGE_LIMITS.textMaxChars).map((text, i, all) =>
          i === all.length - 1
            ? { ...content, text }
            : { kind: 'text' as const, text, ...(content.metadata ? { metadata: content.metadata } : {}) },
        )
      : [content];
  const ids: number[] = [];
  let leased: LeasedMessage | undefined;
  for (const [i, part] of parts.entries()) {
    const message = {
      // `text` is what transcripts show: the text itself, or a readable rendering of a rich message.
      conversation_id: conversationId,
      author,
      text: part.kind === 'text' ? part.text : plainText.render(part),
      content: JSON.stringify(part),
      mid: null,
      attempts: 0,
      next_attempt_at: now,
      lease_until: null,
      error: null,
      event_ts: null,
      created_at: now,
      sent_at: null,
      correlation_id: currentCorrelationId() ?? null,
      reply_to_mid: answers,
    };
    // Only the first part can be its conversation's head; the next ones queue behind it.
    if (lease && i === 0) {
      const { row, conversation } = await repos.messages.enqueueLeased(message, lease);
      ids.push(Number(row.id));
      if (row.lease_owner === lease.owner)
        leased = {
          work: {
            row,
            lease: { table: 'messages', id: Number(row.id), owner: lease.owner, epoch: Number(row.lease_epoch) },
            interrupted: false,
          },
          conversation,
        };
    } else ids.push(await repos.messages.enqueue(message));
  }
  // The customer's next typed message may answer these choices: the turn looks for them only while
  // this is set (after the INSERTs, so a turn that clears it concurrently stored its message after them).
  if (parts.some((part) => listChoiceOptions(part).length > 0))
    await repos.conversations.update(conversationId, { choices_offered_at: now });
  return { ids, leased };
}
