import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { ConversationRow, PersistenceService } from '@app/persistence';
import { Principal } from '../auth/principal';
import { DeskErrorCode, DeskException } from '../http/desk.exception';
import { canView } from './conversation-visibility';
import { EPISODE_END_EVENTS, Episode, episodeRating, finishedEpisodes, isCsatQuestion } from './conversation-episodes';
import { DeskConversationsService } from './desk-conversations.service';
import { messageView, MessageView } from './desk-views';

/** How many earlier episodes the contact panel lists. */
const MAX_EPISODES = 30;

export class EpisodeView {
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      'The episode (the id of the event that ended it), for its messages; null: the conversation is still going on (open it instead)',
  })
  episodeId!: number | null;
  @ApiProperty({ description: 'The conversation it belongs to (this one, or the customer’s conversation on another channel)' })
  conversationId!: string;
  @ApiProperty() channel!: string;
  @ApiProperty({ description: 'Its first message (epoch ms)' }) startedAt!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'When it was closed or given back to the bot; null while going on' })
  endedAt!: number | null;
  @ApiProperty({ enum: ['closed', 'returned_to_bot', 'ongoing'] }) outcome!: 'closed' | 'returned_to_bot' | 'ongoing';
  @ApiProperty({ nullable: true, type: String, description: 'Who ended it: the agent’s name, or `routing` / `system`' })
  endedBy!: string | null;
  @ApiProperty({ type: [String], description: 'The agents who wrote in it or ended it, by display name' }) handledBy!: string[];
  @ApiProperty({ description: 'Whether the rating question was sent at its close' }) csatAsked!: boolean;
  @ApiProperty({ nullable: true, type: Number, description: 'The customer’s rating for it, 1-5' }) csatRating!: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'The customer’s first message in it (text, or what they sent)' })
  firstLine!: string | null;
  @ApiProperty() messageCount!: number;
}

/**
 * The customer's earlier episodes for the contact panel: the ended stretches of this conversation (one
 * row per channel, Page and customer, reopened when they write again; see `conversation-episodes.ts`),
 * and those of their conversations on the Page's other channels (plus what is going on there), newest
 * first; and one episode's messages, read-only.
 */
@Injectable()
export class EpisodesService {
  constructor(
    private readonly persistence: PersistenceService,
    private readonly desk: DeskConversationsService,
  ) {}

  /**
   * Reads the ends (conversation events) first, picks the newest episodes, and then only what each
   * shown one needs from its messages: counts, its first line and its rating's answer, by time range.
   */
  async list(principal: Principal, id: string): Promise<EpisodeView[]> {
    const current = await this.desk.visible(principal, id);
    const others = await this.persistence.db
      .selectFrom('conversations')
      .selectAll()
      .where('customer_id', '=', current.customer_id)
      .where('page_id', '=', current.page_id)
      .where('id', '!=', current.id)
      .orderBy('updated_at', 'desc')
      .limit(20)
      .execute();
    const rows = [current, ...others.filter((r) => canView(principal, r))];
    const ends = await this.persistence.db
      .selectFrom('conversation_events')
      .selectAll()
      .where(
        'conversation_id',
        'in',
        rows.map((r) => r.id),
      )
      .where('type', 'in', [...EPISODE_END_EVENTS])
      .orderBy('id')
      .execute();
    const candidates: Candidate[] = [];
    for (const row of rows) {
      const episodes = finishedEpisodes(
        ends.filter((e) => e.conversation_id === row.id),
        row.created_at,
      );
      episodes.forEach((episode, i) => candidates.push({ row, episode, endsAt: episodes[i + 1]?.endedAt ?? Infinity }));
      // What is going on on the customer's other channels (this one is open in front of the agent).
      if (row.id !== current.id) candidates.push({ row, since: episodes.at(-1)?.endedAt ?? -Infinity });
    }
    candidates.sort((a, b) => endOf(b) - endOf(a));
    const names = await this.agentNames([
      ...candidates.map((c) => c.episode?.endedBy),
      ...candidates.map((c) => (c.episode ? undefined : c.row.assigned_agent_id)),
    ]);
    const views: EpisodeView[] = [];
    for (const candidate of candidates) {
      if (views.length === MAX_EPISODES) break;
      const view = candidate.episode
        ? await this.view(candidate.row, candidate.episode, candidate.endsAt, names)
        : await this.ongoing(candidate.row, candidate.since, names);
      if (view) views.push(view);
    }
    return views;
  }

  /** One episode's messages, oldest first (404 when the conversation has no such episode). */
  async messages(principal: Principal, id: string, episodeId: number): Promise<MessageView[]> {
    const row = await this.desk.visible(principal, id);
    const episodes = finishedEpisodes(await this.persistence.repos.conversationEvents.listForConversation(row.id), row.created_at);
    const episode = episodes.find((e) => e.endEventId === episodeId);
    if (!episode)
      throw new DeskException(DeskErrorCode.NotFound, `conversation ${id} has no episode ${episodeId}`, [
        { field: 'episodeId', message: 'no ended episode of this conversation has this id' },
      ]);
    const messages = await this.inRange(row.id, episode.after, episode.endedAt).selectAll().orderBy('id').execute();
    return messages.map(messageView);
  }

  /** The messages of a conversation after `after` (exclusive) and up to `until` (inclusive; none: to now). */
  private inRange(conversationId: string, after: number, until?: number) {
    let query = this.persistence.db.selectFrom('messages').where('conversation_id', '=', conversationId);
    if (after !== -Infinity) query = query.where('created_at', '>', after);
    if (until !== undefined) query = query.where('created_at', '<=', until);
    return query;
  }

  /** What the list shows of some messages: how many, since when, the first line, who answered, whether the rating question is among them. */
  private async summary(conversationId: string, after: number, until?: number): Promise<Summary> {
    const range = () => this.inRange(conversationId, after, until);
    const [counts, agents, first] = await Promise.all([
      range()
        .select((eb) => [
          eb.fn.countAll<number | string>().as('count'),
          eb.fn.min('created_at').as('startedAt'),
          eb.fn.max(eb.case().when(isCsatQuestion(eb)).then(1).else(0).end()).as('asked'),
        ])
        .executeTakeFirstOrThrow(),
      range()
        .select('sent_by_name')
        .where('author', '=', 'agent')
        .where('sent_by_name', 'is not', null)
        .groupBy('sent_by_name')
        .orderBy((eb) => eb.fn.min('id'))
        .execute(),
      range().select(['text', 'content']).where('direction', '=', 'in').orderBy('id').limit(1).executeTakeFirst(),
    ]);
    return {
      count: Number(counts.count),
      startedAt: counts.startedAt === null ? null : Number(counts.startedAt),
      asked: Number(counts.asked ?? 0) === 1,
      handledBy: agents.map((a) => a.sent_by_name as string),
      firstLine: first ? first.text?.trim() || (first.content ? '[attachment]' : null) : null,
    };
  }

  private async view(row: ConversationRow, episode: Episode, endsAt: number, names: Map<string, string>): Promise<EpisodeView> {
    const summary = await this.summary(row.id, episode.after, episode.endedAt);
    const handledBy = new Set(summary.handledBy);
    const endedBy = names.get(episode.endedBy);
    if (endedBy !== undefined) handledBy.add(endedBy);
    const rating = summary.asked ? await episodeRating(this.persistence.repos.messages, row.id, episode, endsAt) : null;
    return {
      episodeId: episode.endEventId,
      conversationId: row.id,
      channel: row.channel,
      startedAt: summary.startedAt ?? episode.endedAt,
      endedAt: episode.endedAt,
      outcome: episode.outcome,
      endedBy: endedBy ?? episode.endedBy,
      handledBy: [...handledBy],
      csatAsked: summary.asked,
      csatRating: rating,
      firstLine: summary.firstLine,
      messageCount: summary.count,
    };
  }

  /** What is going on in another conversation since its last end; none when nothing was said since. */
  private async ongoing(row: ConversationRow, since: number, names: Map<string, string>): Promise<EpisodeView | undefined> {
    const summary = await this.summary(row.id, since);
    if (summary.count === 0 || summary.startedAt === null) return undefined;
    const handledBy = new Set(summary.handledBy);
    if (row.assigned_agent_id && row.state === 'AGENT') handledBy.add(names.get(row.assigned_agent_id) ?? row.assigned_agent_id);
    return {
      episodeId: null,
      conversationId: row.id,
      channel: row.channel,
      startedAt: summary.startedAt,
      endedAt: null,
      outcome: 'ongoing',
      endedBy: null,
      handledBy: [...handledBy],
      csatAsked: false,
      csatRating: null,
      firstLine: summary.firstLine,
      messageCount: summary.count,
    };
  }

  /** Display names of those of `actors` that are agents (others — `routing`, `system` — are absent), in one query. */
  private async agentNames(actors: readonly (string | null | undefined)[]): Promise<Map<string, string>> {
    const ids = [...new Set(actors.filter((a): a is string => Boolean(a)))];
    if (ids.length === 0) return new Map();
    const agents = await this.persistence.db.selectFrom('agents').select(['id', 'display_name']).where('id', 'in', ids).execute();
    return new Map(agents.map((a) => [a.id, a.display_name]));
  }
}

/** An ended episode, or what is going on since a conversation's last end (`since`), before it is read. */
type Candidate = { row: ConversationRow } & ({ episode: Episode; endsAt: number; since?: never } | { episode?: never; since: number });

/** Newest first; what is going on before anything that ended. */
function endOf(candidate: Candidate): number {
  return candidate.episode?.endedAt ?? Infinity;
}

interface Summary {
  count: number;
  startedAt: number | null;
  asked: boolean;
  handledBy: string[];
  firstLine: string | null;
}
