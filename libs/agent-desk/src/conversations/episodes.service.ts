import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { ConversationRow, MessageRow, PersistenceService } from '@app/persistence';
import { Principal } from '../auth/principal';
import { DeskErrorCode, DeskException } from '../http/desk.exception';
import { canView } from './conversation-visibility';
import { Episode, episodeRating, finishedEpisodes, messagesIn, messagesSince } from './conversation-episodes';
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
    const names = new AgentNames(this.persistence);
    const views: EpisodeView[] = [];
    for (const row of [current, ...others.filter((r) => canView(principal, r))]) {
      const { episodes, messages } = await this.read(row);
      for (const [i, episode] of episodes.entries())
        views.push(
          await this.view(
            row,
            episode,
            messagesIn(messages, episode),
            episodeRating(messages, episode, episodes[i + 1]?.endedAt ?? Infinity),
            names,
          ),
        );
      const going = messagesSince(messages, episodes);
      if (row.id !== current.id && going.length > 0) views.push(await this.ongoing(row, going, names));
    }
    return views.sort((a, b) => (b.endedAt ?? Infinity) - (a.endedAt ?? Infinity)).slice(0, MAX_EPISODES);
  }

  /** One episode's messages, oldest first (404 when the conversation has no such episode). */
  async messages(principal: Principal, id: string, episodeId: number): Promise<MessageView[]> {
    const row = await this.desk.visible(principal, id);
    const { episodes, messages } = await this.read(row);
    const episode = episodes.find((e) => e.endEventId === episodeId);
    if (!episode)
      throw new DeskException(DeskErrorCode.NotFound, `conversation ${id} has no episode ${episodeId}`, [
        { field: 'episodeId', message: 'no ended episode of this conversation has this id' },
      ]);
    return messagesIn(messages, episode).map(messageView);
  }

  private async read(row: ConversationRow): Promise<{ episodes: Episode[]; messages: MessageRow[] }> {
    const [events, messages] = await Promise.all([
      this.persistence.repos.conversationEvents.listForConversation(row.id),
      this.persistence.repos.messages.listForConversation(row.id),
    ]);
    return { episodes: finishedEpisodes(events, row.created_at), messages };
  }

  private async view(
    row: ConversationRow,
    episode: Episode,
    own: MessageRow[],
    { asked, rating }: { asked: boolean; rating: number | null },
    names: AgentNames,
  ): Promise<EpisodeView> {
    const endedBy = await names.of(episode.endedBy);
    const handledBy = new Set(own.filter((m) => m.author === 'agent' && m.sent_by_name).map((m) => m.sent_by_name as string));
    if (await names.isAgent(episode.endedBy)) handledBy.add(endedBy);
    return {
      episodeId: episode.endEventId,
      conversationId: row.id,
      channel: row.channel,
      startedAt: own[0]?.created_at ?? episode.endedAt,
      endedAt: episode.endedAt,
      outcome: episode.outcome,
      endedBy,
      handledBy: [...handledBy],
      csatAsked: asked,
      csatRating: rating,
      firstLine: firstLine(own),
      messageCount: own.length,
    };
  }

  private async ongoing(row: ConversationRow, own: MessageRow[], names: AgentNames): Promise<EpisodeView> {
    const handledBy = new Set(own.filter((m) => m.author === 'agent' && m.sent_by_name).map((m) => m.sent_by_name as string));
    if (row.assigned_agent_id && row.state === 'AGENT') handledBy.add(await names.of(row.assigned_agent_id));
    return {
      episodeId: null,
      conversationId: row.id,
      channel: row.channel,
      startedAt: own[0].created_at,
      endedAt: null,
      outcome: 'ongoing',
      endedBy: null,
      handledBy: [...handledBy],
      csatAsked: false,
      csatRating: null,
      firstLine: firstLine(own),
      messageCount: own.length,
    };
  }
}

/** The customer's first message: its text, or what it carried. */
function firstLine(messages: readonly MessageRow[]): string | null {
  const first = messages.find((m) => m.direction === 'in');
  if (!first) return null;
  return first.text?.trim() || (first.content ? '[attachment]' : null);
}

/** Agent display names by id, read once per request; actors that are no agent (`routing`, `system`) stay as they are. */
class AgentNames {
  private readonly known = new Map<string, string | undefined>();

  constructor(private readonly persistence: PersistenceService) {}

  async isAgent(actor: string): Promise<boolean> {
    return (await this.lookup(actor)) !== undefined;
  }

  async of(actor: string): Promise<string> {
    return (await this.lookup(actor)) ?? actor;
  }

  private async lookup(actor: string): Promise<string | undefined> {
    if (!this.known.has(actor)) this.known.set(actor, (await this.persistence.repos.agents.findById(actor))?.display_name);
    return this.known.get(actor);
  }
}
