import { useEffect, useRef } from 'preact/hooks';
import type { Conversation, Episode, Message } from '../api/client';
import { timeOf } from '../lib/format';
import { Transcript } from './Transcript';

interface Props {
  episode: Episode;
  /** The conversation it was opened from (the same customer: names in the transcript). */
  conversation: Conversation;
  messages: Message[];
  onClose(): void;
}

const ENDING: Record<Episode['outcome'], string> = { closed: 'closed', returned_to_bot: 'given back to the bot', ongoing: 'going on' };

/** An earlier episode's transcript, read-only (no composer, no Retry), over the live conversation; Escape closes it. */
export function EpisodeDialog({ episode: e, conversation, messages, onClose }: Props) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    close.current?.focus();
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const title = `Earlier conversation of ${timeOf(e.startedAt)}`;
  return (
    <div class="episode-backdrop" onClick={(event) => event.target === event.currentTarget && onClose()}>
      <section class="episode-dialog" role="dialog" aria-modal="true" aria-label={title}>
        <header>
          <div>
            <h2>{title}</h2>
            <p class="muted">
              {ENDING[e.outcome]}
              {e.endedAt !== null && ` ${timeOf(e.endedAt)}`}
              {e.endedBy && ` by ${e.endedBy}`}
              {e.handledBy.length > 0 && ` · handled by ${e.handledBy.join(', ')}`}
              {e.csatRating ? ` · rated ${e.csatRating}/5` : e.csatAsked ? ' · not rated' : ''} · read-only
            </p>
          </div>
          <button type="button" ref={close} onClick={onClose}>
            Close
          </button>
        </header>
        <Transcript conversation={conversation} messages={messages} notes={[]} label="Earlier transcript" />
      </section>
    </div>
  );
}
