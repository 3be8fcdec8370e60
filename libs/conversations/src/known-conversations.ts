import { Injectable } from '@nestjs/common';

/** Conversation ids remembered by key; the oldest is forgotten first. ~200 bytes each. */
const KNOWN_CONVERSATIONS = 20_000;

/**
 * Conversation id by `conversationKeyString`, for conversations whose row this instance saw
 * committed: the intake's next webhook of a known customer needs no read of `conversations`. A
 * conversation's key and id never change and ccm never deletes a conversation (retention prunes
 * journal rows, never conversations or messages, which are the transcript) nor merges one (linking a
 * comment thread keeps both rows). The database can still lose one — a restore from a backup, a
 * failover to a replica that missed the last commits — so whoever finds a remembered conversation
 * gone forgets it (`forget`), and the next webhook of that customer reads or creates it again.
 */
@Injectable()
export class KnownConversations {
  private readonly ids = new Map<string, string>();

  get(key: string): string | undefined {
    return this.ids.get(key);
  }

  /** Only for a row seen committed: an id from a transaction that rolled back must never be remembered. */
  remember(key: string, id: string): void {
    if (this.ids.size >= KNOWN_CONVERSATIONS && !this.ids.has(key)) this.ids.delete(this.ids.keys().next().value!);
    this.ids.set(key, id);
  }

  forget(key: string): void {
    this.ids.delete(key);
  }

  /** Forgets everything (a group commit failed: what it relied on may be what failed it). */
  clear(): void {
    this.ids.clear();
  }

  get size(): number {
    return this.ids.size;
  }
}
