import { MessageAuthor, OutboundContent } from '@app/core';
import { currentCorrelationId } from '@app/observability';
import { Repositories } from '@app/persistence';
import { countCharacters, PlainTextRenderer, RICH_MESSAGE_LIMITS, splitText } from '@app/templates';

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
  for (const part of parts) {
    ids.push(
      await repos.messages.enqueue({
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
      }),
    );
  }
  return ids;
}
