import { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import { ConversationEventRow, Database, PersistenceService } from '@app/persistence';
import { csatAnswer } from './csat';

/**
 * A conversation row is one per channel, Page and customer, reopened when the customer writes again:
 * its transcript holds every contact. An episode is one stretch of it that ended — an agent (or a
 * supervisor) closed it, or it went back to the bot (an agent, or the no-agent fallback). The audit
 * trail records each end (`conversation_events` of type `close` / `return_to_bot`), so episodes are
 * read from it, for old conversations as well as new ones, without a table of their own.
 */
export const EPISODE_END_EVENTS: readonly string[] = ['close', 'return_to_bot'];

export interface Episode {
  /** The id of the event that ended it: the episode's id. */
  endEventId: number;
  /** Messages after this time (exclusive) and up to `endedAt` (inclusive: the rating question sent at the close) belong to it. */
  after: number;
  endedAt: number;
  outcome: 'closed' | 'returned_to_bot';
  /** Who ended it: an agent id, `routing`, `system`… */
  endedBy: string;
  reason: string | null;
}

/** The episodes of one conversation that ended, oldest first (`createdAt`: the conversation's creation). */
export function finishedEpisodes(events: readonly ConversationEventRow[], createdAt: number): Episode[] {
  const episodes: Episode[] = [];
  let after = createdAt - 1;
  for (const event of [...events].sort((a, b) => a.id - b.id)) {
    if (!EPISODE_END_EVENTS.includes(event.type)) continue;
    episodes.push({
      endEventId: event.id,
      after,
      endedAt: event.created_at,
      outcome: event.type === 'close' ? 'closed' : 'returned_to_bot',
      endedBy: event.actor,
      reason: event.reason,
    });
    after = event.created_at;
  }
  return episodes;
}

/** Whether the satisfaction question went out with a message (sent at the close: its quick replies carry `CSAT_n`), as SQL. */
export function isCsatQuestion(eb: ExpressionBuilder<Database, 'messages'>): Expression<SqlBool> {
  return eb.and([eb('direction', '=', 'out'), eb('author', '=', 'system'), eb('content', 'like', '%"CSAT_1"%')]);
}

/**
 * The rating an episode's question got (`csatAnswer`): the customer's first message after its close,
 * when it came before `endsAt` (the conversation's next end) and reads as a rating; else null.
 */
export async function episodeRating(
  messages: Pick<PersistenceService['repos']['messages'], 'firstInboundSince'>,
  conversationId: string,
  episode: Pick<Episode, 'endedAt'>,
  endsAt: number,
): Promise<number | null> {
  return csatAnswer(await messages.firstInboundSince(conversationId, episode.endedAt), endsAt)?.rating ?? null;
}
