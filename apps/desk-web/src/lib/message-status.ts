/**
 * Delivery statuses as the desk last heard them. A send's REST answer, its `message.created` event and
 * its `message.status` events travel separately and can cross: a `sent` event may arrive before the
 * POST answer that still says `queued`, or before the desk has the message at all. Between reloads
 * statuses only move forward, so whatever arrives last never shows an earlier state than one already
 * heard; a reload of the conversation starts from what the server says.
 */
import type { Message } from '../api/client';

type Status = Message['status'];
interface Tracked<E> {
  id: number;
  status: Status;
  error?: E;
}

/** A failed send can still be retried and go out; once sent, a message never falls back. */
const RANK: Record<Status, number> = { received: 0, queued: 1, failed: 2, sent: 3, delivered: 4, read: 5 };

export class StatusBook<E> {
  private readonly heard = new Map<number, { status: Status; error?: E }>();

  /** A status event: remembered even for a message the desk does not show yet. */
  note(id: number, status: Status, error?: E): void {
    const known = this.heard.get(id);
    if (!known || RANK[status] >= RANK[known.status]) this.heard.set(id, { status, error });
  }

  /** A fresh read of the server (a reload): what it says now replaces what was heard (e.g. an admin retried a failed send). */
  reset<M extends Tracked<E>>(message: M): M {
    this.heard.set(message.id, { status: message.status, error: message.error });
    return message;
  }

  /** The message with the furthest status heard for it (from any source). */
  latest<M extends Tracked<E>>(message: M): M {
    this.note(message.id, message.status, message.error);
    const known = this.heard.get(message.id)!;
    return known.status === message.status ? message : { ...message, status: known.status, error: known.error };
  }
}
