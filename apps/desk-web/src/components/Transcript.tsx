import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import type { Conversation, Episode, Message, Note } from '../api/client';
import { timeOf } from '../lib/format';
import type { InboundContent, RichMessage } from '../lib/rich';
import { InboundView, RichView } from './RichView';

const TICKS: Record<Message['status'], { icon: string; label: string }> = {
  received: { icon: '', label: '' },
  queued: { icon: '🕓', label: 'sending' },
  sent: { icon: '✓', label: 'sent' },
  delivered: { icon: '✓✓', label: 'delivered' },
  read: { icon: '✓✓', label: 'read' },
  failed: { icon: '⚠', label: 'not delivered' },
};

type Entry = { at: number; message?: Message; note?: Note; ending?: Episode };

function authorName(m: Message, conversation: Conversation): string {
  switch (m.author) {
    case 'customer':
      return conversation.customer.name ?? 'Customer';
    case 'bot':
      return 'Bot';
    case 'system':
      return 'System';
    default:
      return m.authorName ?? 'Agent (Page inbox)';
  }
}

interface Props {
  conversation: Conversation;
  messages: Message[];
  notes: Note[];
  /** Earlier episodes of this conversation: where each ended, a line in the transcript ("closed by Ann"). */
  endings?: Episode[];
  /** Without it (an earlier episode, read-only) failed sends show no Retry button. */
  onRetry?(message: Message): void;
  label?: string;
}

/** The transcript: scrolls by itself and stays at the bottom as messages arrive (unless the agent scrolled up). */
export function Transcript({ conversation, messages, notes, endings = [], onRetry, label = 'Transcript' }: Props) {
  const box = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  const entries = [
    ...messages.map((m): Entry => ({ at: m.createdAt, message: m })),
    ...notes.map((n): Entry => ({ at: n.createdAt, note: n })),
    ...endings.filter((e) => e.endedAt !== null).map((e): Entry => ({ at: e.endedAt!, ending: e })),
  ].sort((a, b) => a.at - b.at || Number(Boolean(a.ending)) - Number(Boolean(b.ending)) || (a.message?.id ?? 0) - (b.message?.id ?? 0));

  useEffect(() => {
    stick.current = true;
  }, [conversation.id]);
  useLayoutEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  });

  let lastDay = '';
  return (
    <ol
      class="transcript"
      ref={box}
      aria-label={label}
      aria-live="polite"
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
      }}
    >
      {entries.map((entry) => {
        const day = new Date(entry.at).toDateString();
        const separator =
          day !== lastDay ? (
            <li class="day" key={`day-${day}`} role="separator">
              {new Date(entry.at).toLocaleDateString([], { weekday: 'short', month: 'short', day: 'numeric' })}
            </li>
          ) : null;
        lastDay = day;
        if (entry.ending) {
          const e = entry.ending;
          return [
            separator,
            <li key={`end-${e.episodeId}`} class="episode-end" role="separator" data-episode-id={e.episodeId}>
              {e.outcome === 'closed' ? 'Closed' : 'Given back to the bot'}
              {e.endedBy && ` by ${e.endedBy}`} · {timeOf(e.endedAt!)}
              {e.csatRating ? ` · rated ${e.csatRating}/5` : ''}
            </li>,
          ];
        }
        if (entry.note) {
          const n = entry.note;
          return [
            separator,
            <li key={`note-${n.id}`} class="msg note" data-note-id={n.id}>
              <span class="who">
                🔒 Note · {n.authorName} <time dateTime={new Date(n.createdAt).toISOString()}>{timeOf(n.createdAt)}</time>
              </span>
              <p class="text">{n.text}</p>
            </li>,
          ];
        }
        const m = entry.message!;
        const content = m.content as unknown;
        const tick = TICKS[m.status];
        return [
          separator,
          <li key={m.id} class={`msg ${m.author} ${m.direction}${m.reaction ? ' reacted' : ''}`} data-message-id={m.id}>
            <span class="who">
              {authorName(m, conversation)} <time dateTime={new Date(m.createdAt).toISOString()}>{timeOf(m.createdAt)}</time>
              {m.editedAt && (
                <span class="edited" title={`Edited by the customer at ${timeOf(m.editedAt)}`}>
                  {' '}
                  · edited
                </span>
              )}
            </span>
            {m.direction === 'in' ? (
              <InboundView content={content as InboundContent | null} text={m.text} />
            ) : content && typeof content === 'object' && 'kind' in content ? (
              <RichView message={content as RichMessage} />
            ) : content && typeof content === 'object' && 'attachments' in content ? (
              <InboundView content={content as InboundContent} text={m.text} />
            ) : (
              <p class="text">{m.text}</p>
            )}
            {m.direction === 'out' && (
              <span class={`status ${m.status}`} data-status={m.status} title={tick.label}>
                {tick.icon} {tick.label}
              </span>
            )}
            {m.reaction && (
              <span class="reaction" role="img" aria-label={`${conversation.customer.name ?? 'The customer'} reacted ${m.reaction}`}>
                {m.reaction}
              </span>
            )}
            {m.error && (m.status === 'failed' || m.status === 'queued') && (
              <span class="failed" role={m.status === 'failed' ? 'alert' : undefined}>
                {m.status === 'failed' ? 'Not delivered: ' : 'Retrying: '}
                {m.error.message}
                {m.status === 'failed' && m.author === 'agent' && onRetry && (
                  <button type="button" class="link" onClick={() => onRetry(m)}>
                    Retry
                  </button>
                )}
              </span>
            )}
          </li>,
        ];
      })}
    </ol>
  );
}
