import { useState } from 'preact/hooks';
import type { InboundContent, RichButton, RichMessage } from '../lib/rich';

/** Buttons as Messenger shows them: full-width rows under the text or card. */
function Buttons({ buttons }: { buttons?: RichButton[] }) {
  if (!buttons?.length) return null;
  return (
    <div class="rich-buttons">
      {buttons.map((b, i) => (
        <span key={i} class="rich-button" title={b.type === 'url' ? b.url : b.type === 'call' ? b.phoneNumber : b.payload}>
          {b.title}
        </span>
      ))}
    </div>
  );
}

function Media({ type, url: preferred, fallback, label }: { type: string; url?: string; fallback?: string; label?: string }) {
  // ccm's stored copy first; Meta's own link if the copy cannot be had (not stored, or not yet).
  const [failed, setFailed] = useState(false);
  const url = failed || !preferred ? fallback : preferred;
  const onError = () => {
    if (!failed && fallback && fallback !== preferred) setFailed(true);
  };
  if (!url) return <span class="attachment">[{type}]</span>;
  switch (type) {
    case 'image':
      return (
        <a href={url} target="_blank" rel="noreferrer noopener" class="media-link">
          <img class="media-image" src={url} alt={label ?? 'image'} loading="lazy" onError={onError} />
        </a>
      );
    case 'video':
      return <video class="media-video" src={url} controls preload="metadata" aria-label={label ?? 'video'} onError={onError} />;
    case 'audio':
      return <audio src={url} controls preload="metadata" aria-label={label ?? 'audio'} onError={onError} />;
    default:
      return (
        <a href={url} target="_blank" rel="noreferrer noopener" download class="file-link">
          📎 {label ?? fileName(url)}
        </a>
      );
  }
}

/** A file's name as the link's last path segment carries it (encoded: `size%20chart.pdf` is "size chart.pdf"). */
function fileName(url: string): string {
  const last = url.split('?')[0].split('/').pop() || 'file';
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/** An outbound rich message rendered like Messenger: text bubble, buttons, swipeable cards, quick-reply chips. */
export function RichView({ message }: { message: RichMessage }) {
  return (
    <div class="rich">
      {message.kind === 'text' && <p class="text">{message.text}</p>}
      {message.kind === 'buttons' && (
        <div class="button-template">
          <p class="text">{message.text}</p>
          <Buttons buttons={message.buttons} />
        </div>
      )}
      {message.kind === 'carousel' && (
        <div class="carousel" role="group" aria-label={`Carousel of ${message.cards.length} cards`}>
          {message.cards.map((card, i) => (
            <div class="card" key={i}>
              {card.imageUrl ? (
                <img class={`card-image ${message.imageAspectRatio === 'square' ? 'square' : ''}`} src={card.imageUrl} alt={card.title} />
              ) : (
                <div class="card-image placeholder" aria-hidden="true" />
              )}
              <div class="card-body">
                <strong>{card.title}</strong>
                {card.subtitle && <span class="subtitle">{card.subtitle}</span>}
              </div>
              <Buttons buttons={card.buttons} />
            </div>
          ))}
        </div>
      )}
      {message.kind === 'media' && (
        <div class="media-template">
          <Media type={message.mediaType} url={message.url} />
          <Buttons buttons={message.buttons} />
        </div>
      )}
      {message.quickReplies?.length ? (
        <div class="quick-replies" aria-label="Quick replies">
          {message.quickReplies.map((q, i) => (
            <span key={i} class="chip">
              {q.type === 'text' ? q.title : q.type === 'user_email' ? '✉ email' : '☎ phone'}
            </span>
          ))}
        </div>
      ) : null}
    </div>
  );
}

/** What the customer sent besides text: attachments (pictures, players, files) or the button they tapped. */
export function InboundView({ content, text }: { content: InboundContent | null; text?: string | null }) {
  const tapped = content?.choice;
  return (
    <div class="inbound">
      {tapped ? (
        <p class="text tapped">
          <span class="tapped-label">Tapped</span> {tapped.title ?? text ?? tapped.payload}
        </p>
      ) : (
        text && <p class="text">{text}</p>
      )}
      {content?.attachments?.map((a, i) =>
        a.stickerId ? (
          <span key={i} class="sticker" aria-label="sticker">
            👍
          </span>
        ) : (
          <Media key={i} type={a.type} url={a.storedUrl ?? a.url} fallback={a.url} label={a.title} />
        ),
      )}
    </div>
  );
}
