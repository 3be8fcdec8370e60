/**
 * Delivery statuses as the desk last heard them. A send's REST answer, its `message.created` event and
 * its `message.status` events travel separately and can cross: a `sent` event may arrive before the
 * POST answer that still says `queued`, or before the desk has the message at all. Statuses only move
 * forward, so whatever arrives last never shows an earlier state than one already heard.
 */
type Status = 'received' | 'queued' | 'failed' | 'sent' | 'delivered' | 'read';
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

  /** The message with the furthest status heard for it (from any source). */
  latest<M extends Tracked<E>>(message: M): M {
    this.note(message.id, message.status, message.error);
    const known = this.heard.get(message.id)!;
    return known.status === message.status ? message : { ...message, status: known.status, error: known.error };
  }
}
