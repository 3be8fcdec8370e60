import { useState } from 'preact/hooks';
import type { ChannelDescriptor, Conversation } from '../api/client';
import { duration, initials, timeOf } from '../lib/format';

export function Avatar({ name, url, size = 36 }: { name: string; url?: string; size?: number }) {
  const [broken, setBroken] = useState(false); // profile picture URLs expire: fall back to initials
  return url && !broken ? (
    <img class="avatar" src={url} alt="" width={size} height={size} onError={() => setBroken(true)} />
  ) : (
    <span class="avatar initials" aria-hidden="true" style={{ width: `${size}px`, height: `${size}px` }}>
      {initials(name)}
    </span>
  );
}

/** The conversation's channel, named by its descriptor (a new channel module shows up without desk changes). */
export function ChannelBadge({ channel, channels }: { channel: string; channels: Record<string, ChannelDescriptor> }) {
  const name = channels[channel]?.displayName ?? channel;
  return (
    <span class={`channel-badge channel-${channel.replace(/[^a-z0-9-]/gi, '')}`} title={name}>
      {name}
    </span>
  );
}

export const nameOf = (c: Conversation) => c.customer.name ?? c.customer.id;

interface Props {
  id: string;
  label: string;
  items: Conversation[];
  selected?: string;
  now: number;
  channels: Record<string, ChannelDescriptor>;
  empty: string;
  onSelect(id: string): void;
}

/** One list (Mine, Queue, All, Closed): avatar, name, channel, preview, time, unread, wait time. */
export function ConversationList({ id, label, items, selected, now, channels, empty, onSelect }: Props) {
  return (
    <ul class="conversation-list" id={id} aria-label={label}>
      {items.length === 0 && <li class="empty">{empty}</li>}
      {items.map((c) => {
        const name = nameOf(c);
        const waiting = c.state === 'QUEUED' && c.queuedAt ? now - c.queuedAt : undefined;
        return (
          <li
            key={c.id}
            data-id={c.id}
            role="button"
            tabIndex={0}
            aria-current={selected === c.id}
            class={c.unread > 0 ? 'unread' : ''}
            onClick={() => onSelect(c.id)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                onSelect(c.id);
              }
            }}
          >
            <Avatar name={name} url={c.customer.pictureUrl} />
            <div class="item-main">
              <div class="item-top">
                <strong class="item-name">{name}</strong>
                <time class="item-time">{timeOf(c.lastMessage?.at ?? c.updatedAt, now)}</time>
              </div>
              <div class="item-preview">
                {c.lastMessage ? `${c.lastMessage.author === 'customer' ? '' : `${c.lastMessage.author}: `}${c.lastMessage.preview}` : '—'}
              </div>
              <div class="item-meta">
                <ChannelBadge channel={c.channel} channels={channels} />
                {waiting !== undefined && <span class="wait">waiting {duration(waiting)}</span>}
                {c.snoozedUntil && <span class="snoozed">💤 until {timeOf(c.snoozedUntil, now)}</span>}
                {c.unread > 0 && selected !== c.id && (
                  <span class="badge" aria-label={`${c.unread} unread`}>
                    {c.unread}
                  </span>
                )}
              </div>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
