import { useRef, useState } from 'preact/hooks';
import type { CannedResponse } from '../api/client';
import type { DraftStore } from '../lib/drafts';
import type { RichMessage } from '../lib/rich';
import { type RichKind, RichEditor } from './RichEditor';

const EMOJI = ['🙂', '😀', '👍', '🙏', '🎉', '❤️', '😕', '👋', '✅', '📦'];

export type Outgoing = { text: string } | { message: RichMessage } | { note: string };

type Mode = 'text' | RichKind | 'note';

interface Props {
  conversationId: string;
  drafts: DraftStore;
  canned: CannedResponse[];
  disabledReason?: string;
  /** Rejects with the reason when the message was refused (the draft is kept). */
  onSend(out: Outgoing): Promise<void>;
  onTyping(): void;
  /** Uploads a file from disk and sends it (image → image, else file); tells the agent itself when ccm refuses it. */
  onAttach(file: File): Promise<void>;
}

/**
 * Mounted once per conversation (`key` = its id), so its state — draft, error, mode — starts from that
 * conversation alone: never a render with another conversation's draft in the box.
 *
 * The composer: a draft per conversation (kept across reloads), Enter sends and Shift+Enter breaks the
 * line, `/` opens canned responses, emoji, rich replies in a visual editor, private notes.
 */
export function Composer({ conversationId, drafts, canned, disabledReason, onSend, onTyping, onAttach }: Props) {
  const [text, setText] = useState(() => drafts.get(conversationId));
  const [mode, setMode] = useState<Mode>('text');
  const [rich, setRich] = useState<{ message: RichMessage | null; problems: { message: string }[] }>({ message: null, problems: [] });
  const [error, setError] = useState('');
  const [emoji, setEmoji] = useState(false);
  const [pick, setPick] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const [uploading, setUploading] = useState('');

  // ccm checks the file (type, Meta's size limits, its own body limit) and names the reason; the owner shows it.
  const attach = async (file: File | undefined) => {
    if (!file) return;
    setError('');
    setUploading(file.name);
    try {
      await onAttach(file);
    } finally {
      setUploading('');
      if (picker.current) picker.current.value = ''; // the same file may be picked again
    }
  };

  const update = (value: string) => {
    setText(value);
    drafts.set(conversationId, value);
    if (value) onTyping();
  };

  const slash = /^\/([\w-]*)$/.exec(text);
  const suggestions = slash && mode !== 'note' ? canned.filter((c) => c.shortcut.startsWith(slash[1].toLowerCase())).slice(0, 8) : [];
  const useCanned = (c: CannedResponse) => {
    update(c.text);
    area.current?.focus();
  };

  const needsText = mode === 'text' || mode === 'note' || mode === 'quick' || mode === 'buttons';
  const submit = async () => {
    setError('');
    let out: Outgoing;
    if (mode === 'note') {
      if (!text.trim()) return;
      out = { note: text.trim() };
    } else if (mode === 'text') {
      if (!text.trim()) return;
      out = { text: text.trim() };
    } else {
      if (!rich.message || rich.problems.length > 0) {
        setError(rich.problems[0]?.message ?? 'the message is incomplete');
        return;
      }
      out = { message: rich.message };
    }
    const sentTo = conversationId;
    try {
      await onSend(out);
      drafts.set(sentTo, '');
      setText('');
      setMode('text'); // a sent template is done; the editor starts afresh next time
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure)); // the draft is kept
    }
  };

  if (disabledReason)
    return (
      <div class="composer disabled" role="status">
        {disabledReason}
      </div>
    );
  return (
    <form
      class={`composer ${mode === 'note' ? 'note-mode' : ''}`}
      aria-label="Composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div class="composer-tools" role="toolbar" aria-label="Message type">
        {(
          [
            ['text', 'Text'],
            ['quick', 'Quick replies'],
            ['buttons', 'Buttons'],
            ['carousel', 'Carousel'],
            ['media', 'Attachment'],
            ['note', 'Private note'],
          ] as [Mode, string][]
        ).map(([m, label]) => (
          <button type="button" key={m} class={mode === m ? 'active' : ''} aria-pressed={mode === m} onClick={() => setMode(m)}>
            {label}
          </button>
        ))}
      </div>
      {mode !== 'text' && mode !== 'note' && (
        <RichEditor kind={mode} text={text} onChange={(message, problems) => setRich({ message, problems })} />
      )}
      {suggestions.length > 0 && (
        <ul class="canned-suggestions" role="listbox" aria-label="Canned responses">
          {suggestions.map((c, i) => (
            <li
              key={c.id}
              role="option"
              aria-selected={i === pick}
              onMouseDown={(e) => {
                e.preventDefault();
                useCanned(c);
              }}
            >
              <strong>/{c.shortcut}</strong> {c.title}
              <span class="muted"> — {c.text.slice(0, 60)}</span>
            </li>
          ))}
        </ul>
      )}
      <div class="composer-row">
        {needsText ? (
          <textarea
            ref={area}
            aria-label={mode === 'note' ? 'Private note' : 'Message'}
            placeholder={
              mode === 'note'
                ? 'Note for agents only — never sent to the customer'
                : 'Reply… (Enter sends, Shift+Enter new line, / canned responses)'
            }
            value={text}
            rows={2}
            onInput={(e) => {
              update(e.currentTarget.value);
              setPick(0);
            }}
            onKeyDown={(e) => {
              if (suggestions.length > 0 && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
                e.preventDefault();
                setPick((pick + (e.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
              } else if (suggestions.length > 0 && (e.key === 'Enter' || e.key === 'Tab')) {
                e.preventDefault();
                useCanned(suggestions[pick] ?? suggestions[0]);
              } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
                e.preventDefault();
                void submit();
              }
            }}
          />
        ) : (
          <span class="spacer" />
        )}
        <div class="composer-actions">
          {mode !== 'note' && (
            <>
              <input
                ref={picker}
                type="file"
                hidden
                aria-label="File to attach"
                onChange={(e) => void attach(e.currentTarget.files?.[0])}
              />
              <button type="button" aria-label="Attach a file" disabled={Boolean(uploading)} onClick={() => picker.current?.click()}>
                📎
              </button>
            </>
          )}
          {needsText && (
            <button type="button" aria-label="Emoji" aria-expanded={emoji} onClick={() => setEmoji(!emoji)}>
              🙂
            </button>
          )}
          <button type="submit" class="primary">
            {mode === 'note' ? 'Add note' : 'Send'}
          </button>
        </div>
      </div>
      {emoji && (
        <div class="emoji" role="group" aria-label="Emoji picker">
          {EMOJI.map((e) => (
            <button
              type="button"
              key={e}
              onClick={() => {
                update(text + e);
                setEmoji(false);
                area.current?.focus();
              }}
            >
              {e}
            </button>
          ))}
        </div>
      )}
      {uploading && (
        <p class="muted" role="status">
          Uploading {uploading}…
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
