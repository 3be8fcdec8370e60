import type { Conversation, Episode } from '../api/client';
import { timeOf } from '../lib/format';
import { Avatar, nameOf } from './ConversationList';

/** Meta's `de_DE` as "German (Germany) · de_DE" (the code alone where the browser has no name for it). */
function localeName(locale: string): string {
  try {
    const name = new Intl.DisplayNames([], { type: 'language' }).of(locale.replace('_', '-'));
    return name && name !== locale ? `${name} · ${locale}` : locale;
  } catch {
    return locale;
  }
}

interface Props {
  conversation: Conversation;
  pageName?: string;
  previous: Episode[];
  ownerName?: string;
  /** An earlier episode (read-only transcript), or a conversation still going on on another channel. */
  onOpen(episode: Episode): void;
}

const OUTCOME: Record<Episode['outcome'], string> = { closed: 'closed', returned_to_bot: 'back to the bot', ongoing: 'going on' };

/** "12 Mar 14:05 · closed by Dana · ★★★★☆" — when, how it ended, who handled it, the rating. */
function episodeSummary(e: Episode): string {
  const when = timeOf(e.endedAt ?? e.startedAt);
  const who = e.handledBy.length > 0 ? e.handledBy.join(', ') : e.endedBy && e.outcome !== 'ongoing' ? e.endedBy : 'bot only';
  const rating = e.csatRating ? ` · ${'★'.repeat(e.csatRating)}${'☆'.repeat(5 - e.csatRating)}` : e.csatAsked ? ' · not rated' : '';
  return `${when} · ${OUTCOME[e.outcome]} · ${who}${rating}`;
}

/** Who the customer is and what happened before: profile, ids, hand-over context, earlier conversations, CSAT. */
export function ContactPanel({ conversation: c, pageName, previous, ownerName, onOpen }: Props) {
  return (
    <aside class="contact" aria-label="Contact">
      <div class="contact-head">
        <Avatar name={nameOf(c)} url={c.customer.pictureUrl} size={64} />
        <strong>{nameOf(c)}</strong>
      </div>
      <dl>
        <dt>Customer id (PSID)</dt>
        <dd class="psid">{c.customer.id}</dd>
        {c.customer.locale && (
          <>
            <dt>Language</dt>
            <dd class="locale">{localeName(c.customer.locale)}</dd>
          </>
        )}
        <dt>Page</dt>
        <dd>{pageName ? `${pageName} (${c.pageId})` : c.pageId}</dd>
        <dt>Owner</dt>
        <dd>{ownerName ?? (c.state === 'QUEUED' ? 'waiting in the queue' : '—')}</dd>
        {c.handoverReason && (
          <>
            <dt>Hand-over reason</dt>
            <dd>{c.handoverReason}</dd>
          </>
        )}
        {c.bot?.intent && (
          <>
            <dt>Bot intent</dt>
            <dd>
              {c.bot.intent} ({Math.round((c.bot.confidence ?? 0) * 100)}%)
            </dd>
          </>
        )}
        {c.csat && (
          <>
            <dt>Satisfaction</dt>
            <dd class="csat">
              {c.csat.rating
                ? `${'★'.repeat(c.csat.rating)}${'☆'.repeat(5 - c.csat.rating)} ${c.csat.rating}/5`
                : c.csat.answeredAt
                  ? 'not rated'
                  : 'asked, no answer yet'}
            </dd>
          </>
        )}
        <dt>First contact</dt>
        <dd>{timeOf(c.createdAt)}</dd>
      </dl>
      <h3>Previous conversations</h3>
      {/* Earlier episodes: each close (or return to the bot) ended one; the customer writing again reopened this conversation. */}
      <ul class="previous">
        {previous.length === 0 && <li class="muted">none</li>}
        {previous.map((e) => (
          <li key={`${e.conversationId}-${e.episodeId ?? 'now'}`}>
            <button type="button" class="link episode" onClick={() => onOpen(e)}>
              <span class="episode-meta">
                {episodeSummary(e)}
                {e.channel !== c.channel && ` · ${e.channel}`}
              </span>
              <span class="episode-first">{e.firstLine ? `“${e.firstLine.slice(0, 80)}”` : `${e.messageCount} messages`}</span>
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
