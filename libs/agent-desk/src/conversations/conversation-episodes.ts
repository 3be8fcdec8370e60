import { ConversationEventRow, MessageRow } from '@app/persistence';
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

/** The messages of an episode (messages oldest first in, the same order out). */
export function messagesIn(messages: readonly MessageRow[], episode: Pick<Episode, 'after' | 'endedAt'>): MessageRow[] {
  return messages.filter((m) => m.created_at > episode.after && m.created_at <= episode.endedAt);
}

/** The messages after the last end: the part of the conversation still going on. */
export function messagesSince(messages: readonly MessageRow[], episodes: readonly Episode[]): MessageRow[] {
  const after = episodes.at(-1)?.endedAt ?? -Infinity;
  return messages.filter((m) => m.created_at > after);
}

/** Whether the satisfaction question went out with this message (sent at the close: its quick replies carry `CSAT_n`). */
export function isCsatQuestion(message: MessageRow): boolean {
  return message.direction === 'out' && message.author === 'system' && (message.content?.includes('"CSAT_1"') ?? false);
}

/**
 * Whether the rating question was asked at an episode's close, and the rating it got (`csatAnswer`:
 * the customer's first message after it, before `endsAt`, the conversation's next end).
 */
export function episodeRating(
  messages: readonly MessageRow[],
  episode: Episode,
  endsAt: number,
): { asked: boolean; rating: number | null } {
  const asked = messagesIn(messages, episode).some(isCsatQuestion);
  if (!asked) return { asked, rating: null };
  const firstAfter = messages.find((m) => m.direction === 'in' && m.created_at >= episode.endedAt);
  return { asked, rating: csatAnswer(firstAfter, endsAt)?.rating ?? null };
}
