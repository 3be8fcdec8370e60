import { useEffect, useState } from 'preact/hooks';
import { type ButtonDraft, type CardDraft, quickReplies, type RichMessage, toButton, toCard, violations } from '../lib/rich';
import { RichView } from './RichView';

export type RichKind = 'quick' | 'buttons' | 'carousel' | 'media';

const emptyButton = (): ButtonDraft => ({ type: 'postback', title: '', value: '' });
const emptyCard = (): CardDraft => ({ title: '', subtitle: '', imageUrl: '', buttons: [] });

function ButtonsEditor({
  label,
  buttons,
  onChange,
  max,
}: {
  label: string;
  buttons: ButtonDraft[];
  onChange(b: ButtonDraft[]): void;
  max: number;
}) {
  const set = (i: number, patch: Partial<ButtonDraft>) => onChange(buttons.map((b, j) => (i === j ? { ...b, ...patch } : b)));
  return (
    <fieldset class="buttons-editor">
      <legend>{label} buttons</legend>
      {buttons.map((b, i) => (
        <div class="row" key={i}>
          <label>
            <span class="sr-only">
              {label} button {i + 1} type
            </span>
            <select value={b.type} onChange={(e) => set(i, { type: e.currentTarget.value as ButtonDraft['type'] })}>
              <option value="postback">Reply</option>
              <option value="url">Link</option>
            </select>
          </label>
          <input
            aria-label={`${label} button ${i + 1} title`}
            placeholder="Title"
            value={b.title}
            onInput={(e) => set(i, { title: e.currentTarget.value })}
          />
          <input
            aria-label={`${label} button ${i + 1} ${b.type === 'url' ? 'URL' : 'payload'}`}
            placeholder={b.type === 'url' ? 'https://…' : 'PAYLOAD'}
            value={b.value}
            onInput={(e) => set(i, { value: e.currentTarget.value })}
          />
          <button type="button" aria-label={`Remove ${label} button ${i + 1}`} onClick={() => onChange(buttons.filter((_, j) => j !== i))}>
            ✕
          </button>
        </div>
      ))}
      {buttons.length < max && (
        <button type="button" onClick={() => onChange([...buttons, emptyButton()])}>
          + {label} button
        </button>
      )}
    </fieldset>
  );
}

interface Props {
  kind: RichKind;
  text: string;
  onChange(message: RichMessage | null, problems: { path: string; message: string }[]): void;
}

/**
 * Visual editor for rich replies (instead of raw JSON): quick replies, 2-3 buttons, carousels of up
 * to 10 cards, media by URL. Validated live with the server's own rules; previewed as Messenger shows it.
 */
export function RichEditor({ kind, text, onChange }: Props) {
  const [quick, setQuick] = useState<string[]>(['']);
  const [buttons, setButtons] = useState<ButtonDraft[]>([emptyButton(), emptyButton()]);
  const [cards, setCards] = useState<CardDraft[]>([emptyCard()]);
  const [media, setMedia] = useState<{ type: 'image' | 'video' | 'audio' | 'file'; url: string }>({ type: 'image', url: '' });

  const message: RichMessage | null = (() => {
    switch (kind) {
      case 'quick':
        return { kind: 'text', text, quickReplies: quickReplies(quick.filter((q) => q !== '')) };
      case 'buttons':
        return { kind: 'buttons', text, buttons: buttons.map(toButton) };
      case 'carousel':
        return { kind: 'carousel', cards: cards.map(toCard) };
      case 'media':
        return { kind: 'media', mediaType: media.type, url: media.url, reusable: true };
    }
  })();
  const problems = message ? violations(message) : [];
  const key = JSON.stringify(message);
  useEffect(() => onChange(message, problems), [key]);

  const setCard = (i: number, patch: Partial<CardDraft>) => setCards(cards.map((c, j) => (i === j ? { ...c, ...patch } : c)));
  return (
    <div class="rich-editor">
      <div class="editor-fields">
        {kind === 'quick' && (
          <fieldset>
            <legend>Quick replies (up to 13)</legend>
            {quick.map((q, i) => (
              <div class="row" key={i}>
                <input
                  aria-label={`Quick reply ${i + 1}`}
                  value={q}
                  placeholder="e.g. Yes"
                  onInput={(e) => setQuick(quick.map((x, j) => (j === i ? e.currentTarget.value : x)))}
                />
                <button type="button" aria-label={`Remove quick reply ${i + 1}`} onClick={() => setQuick(quick.filter((_, j) => j !== i))}>
                  ✕
                </button>
              </div>
            ))}
            {quick.length < 13 && (
              <button type="button" onClick={() => setQuick([...quick, ''])}>
                + Quick reply
              </button>
            )}
          </fieldset>
        )}
        {kind === 'buttons' && <ButtonsEditor label="Message" buttons={buttons} max={3} onChange={setButtons} />}
        {kind === 'carousel' && (
          <div class="cards-editor">
            {cards.map((c, i) => (
              <fieldset key={i} class="card-editor">
                <legend>Card {i + 1}</legend>
                <input
                  aria-label={`Card ${i + 1} title`}
                  placeholder="Title"
                  value={c.title}
                  onInput={(e) => setCard(i, { title: e.currentTarget.value })}
                />
                <input
                  aria-label={`Card ${i + 1} subtitle`}
                  placeholder="Subtitle"
                  value={c.subtitle}
                  onInput={(e) => setCard(i, { subtitle: e.currentTarget.value })}
                />
                <input
                  aria-label={`Card ${i + 1} image URL`}
                  placeholder="Image URL (https://…)"
                  value={c.imageUrl}
                  onInput={(e) => setCard(i, { imageUrl: e.currentTarget.value })}
                />
                <ButtonsEditor label={`Card ${i + 1}`} buttons={c.buttons} max={3} onChange={(b) => setCard(i, { buttons: b })} />
                {cards.length > 1 && (
                  <button type="button" onClick={() => setCards(cards.filter((_, j) => j !== i))}>
                    Remove card {i + 1}
                  </button>
                )}
              </fieldset>
            ))}
            {cards.length < 10 && (
              <button type="button" onClick={() => setCards([...cards, emptyCard()])}>
                + Add card
              </button>
            )}
          </div>
        )}
        {kind === 'media' && (
          <div class="row">
            <label>
              <span class="sr-only">Media type</span>
              <select value={media.type} onChange={(e) => setMedia({ ...media, type: e.currentTarget.value as typeof media.type })}>
                <option value="image">Image</option>
                <option value="video">Video</option>
                <option value="audio">Audio</option>
                <option value="file">File</option>
              </select>
            </label>
            <input
              aria-label="Attachment URL"
              placeholder="https://… (uploaded once to the Page and reused)"
              value={media.url}
              onInput={(e) => setMedia({ ...media, url: e.currentTarget.value })}
            />
          </div>
        )}
        <ul class="problems" role="alert" aria-label="Problems">
          {problems.map((p, i) => (
            <li key={i}>{p.message}</li>
          ))}
        </ul>
      </div>
      {message && (
        <div class="preview" aria-label="Preview">
          <span class="preview-label">Preview</span>
          <RichView message={message} />
        </div>
      )}
    </div>
  );
}
