import { signWebhookBody } from '@app/graph-double';

/** One webhook item as Meta puts it in `entry[].messaging[]` or `entry[].changes[]`. */
export type DeliveryItem =
  | {
      /** The entry id: the Page, or the Instagram professional account for `object: "instagram"`. */
      pageId: string;
      messaging: Record<string, unknown>;
      /** Instagram DMs come in their own envelope (`object: "instagram"`). */
      object?: 'page' | 'instagram';
      /** Delivered in `standby[]`: another app owns the thread. */
      standby?: boolean;
    }
  | { pageId: string; change: Record<string, unknown> };

/** Delivery faults, switchable at run time (the page and `PUT /sim/api/faults`). */
export interface DeliveryFaults {
  /** Probability (0..1) that a delivered batch is delivered a second time (Meta is at-least-once). */
  duplicateRate: number;
  /** Probability (0..1) that a batch is held back and delivered after the next one. */
  reorderRate: number;
}

export interface WebhookDeliveryOptions {
  appSecret: string;
  /** Where ccm's webhook is; may be set later (the simulator can start first). */
  webhookUrl?: string;
  /** How long items wait for company before a batch is posted (Meta batches under load). */
  batchWindowMs?: number;
  /** Most items per POST. */
  maxBatch?: number;
  /** Retries after a non-2xx or a network error: capped backoff, like Meta's "a few more times". */
  retryDelaysMs?: readonly number[];
  /** Out-of-order fault: a held-back batch goes out after the next one, or after this long when none comes (default 1 s). */
  maxHoldMs?: number;
  random?: () => number;
  log?: (line: string) => void;
}

/** What became of one POST: the receiver's last HTTP status, or the network error's message. */
export type DeliveryStatus = number | string;

/** A batch to post, and who waits for its outcome (the items it carries). */
interface Batch {
  body: string;
  settle: ((status: DeliveryStatus | undefined) => void)[];
}

/**
 * Delivers webhooks the way Meta does: items collected for a short window and posted together (one
 * entry per Page and kind), signed with `X-Hub-Signature-256` over the exact bytes, retried when the
 * receiver fails; with faults, some batches arrive twice or after a later one.
 */
export class WebhookDelivery {
  readonly faults: DeliveryFaults = { duplicateRate: 0, reorderRate: 0 };
  /** Every POST attempt, newest last (shown on the page, asserted by tests). */
  readonly attempts: { at: number; items: number; status: number | string; duplicate?: boolean; reordered?: boolean }[] = [];
  private pending: { item: DeliveryItem; settle: (status: DeliveryStatus | undefined) => void }[] = [];
  private timer?: NodeJS.Timeout;
  private heldBack?: Batch;
  private holdTimer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private stopped = false;

  constructor(private readonly options: WebhookDeliveryOptions) {}

  set webhookUrl(url: string) {
    this.options.webhookUrl = url;
  }

  /**
   * Queues an item; it is posted within the batch window together with whatever else came. Resolves
   * with the outcome of the POST that carried it (its last attempt's status; undefined when nothing was
   * posted: no webhook URL yet, or the simulator stopped).
   */
  enqueue(item: DeliveryItem): Promise<DeliveryStatus | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    return new Promise((settle) => {
      this.pending.push({ item, settle });
      if (this.pending.length >= (this.options.maxBatch ?? 50)) return this.flush();
      this.timer ??= setTimeout(() => this.flush(), this.options.batchWindowMs ?? 30);
    });
  }

  /** Resolves once everything queued so far has been posted (or given up). */
  async drain(): Promise<void> {
    this.flush();
    let last: Promise<void> | undefined;
    while (last !== this.chain) {
      last = this.chain;
      await last;
    }
    await this.releaseHeldBack();
  }

  /** Drops what is queued and stops retrying (the simulator is shutting down). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.holdTimer);
    this.timer = undefined;
    for (const { settle } of this.pending) settle(undefined);
    this.pending = [];
    for (const settle of this.heldBack?.settle ?? []) settle(undefined);
    this.heldBack = undefined;
  }

  get busy(): boolean {
    return this.pending.length > 0 || this.inFlight > 0 || this.heldBack !== undefined;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    // One POST per object (Meta never mixes Page and Instagram entries in one envelope).
    const queued = this.pending.splice(0);
    for (const object of ['page', 'instagram'] as const) {
      const ofObject = queued.filter(({ item }) => (('object' in item && item.object) || 'page') === object);
      if (ofObject.length === 0) continue;
      const batch: Batch = {
        body: JSON.stringify(
          envelopeOf(
            ofObject.map(({ item }) => item),
            object,
          ),
        ),
        settle: ofObject.map(({ settle }) => settle),
      };
      this.chain = this.chain.then(() => this.deliver(batch));
    }
  }

  private async deliver(batch: Batch): Promise<void> {
    const random = this.options.random ?? Math.random;
    if (!this.heldBack && this.faults.reorderRate > random()) {
      // Held back: goes out right after the next batch (or on drain, or after maxHoldMs), i.e. out of order.
      this.heldBack = batch;
      this.holdTimer = setTimeout(() => {
        this.chain = this.chain.then(() => this.releaseHeldBack());
      }, this.options.maxHoldMs ?? 1000);
      return;
    }
    await this.post(batch, {});
    await this.releaseHeldBack();
    if (this.faults.duplicateRate > random()) await this.post(batch, { duplicate: true });
  }

  private async releaseHeldBack(): Promise<void> {
    const held = this.heldBack;
    if (!held) return;
    clearTimeout(this.holdTimer);
    this.heldBack = undefined;
    await this.post(held, { reordered: true });
  }

  private async post(batch: Batch, flags: { duplicate?: boolean; reordered?: boolean }): Promise<void> {
    const { body } = batch;
    const url = this.options.webhookUrl;
    // A duplicate's outcome is nobody's: the items learnt theirs from the first POST.
    const settle = (status: DeliveryStatus | undefined) => {
      if (!flags.duplicate) for (const done of batch.settle) done(status);
    };
    if (!url || this.stopped) return settle(undefined);
    const delays = this.options.retryDelaysMs ?? [200, 1000, 5000];
    this.inFlight++;
    try {
      for (let attempt = 0; ; attempt++) {
        let status: DeliveryStatus;
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(body, this.options.appSecret) },
            body,
            signal: AbortSignal.timeout(20_000),
          });
          status = response.status;
          await response.arrayBuffer().catch(() => undefined);
        } catch (error) {
          status = (error as Error).message;
        }
        this.attempts.push({ at: Date.now(), items: countItems(body), status, ...flags });
        if (this.attempts.length > 500) this.attempts.splice(0, this.attempts.length - 500);
        if ((typeof status === 'number' && status >= 200 && status < 300) || this.stopped) return settle(status);
        if (attempt >= delays.length) {
          this.options.log?.(`webhook delivery to ${url} gave up after ${attempt + 1} attempts (last: ${status})`);
          return settle(status);
        }
        await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
      }
    } finally {
      this.inFlight--;
    }
  }
}

/** Meta's envelope: one entry per Page and kind (messaging or changes), items in the order they happened. */
export function envelopeOf(
  items: readonly DeliveryItem[],
  object: 'page' | 'instagram' = 'page',
): { object: 'page' | 'instagram'; entry: Record<string, unknown>[] } {
  const entries: Record<string, unknown>[] = [];
  const byKey = new Map<string, Record<string, unknown>>();
  for (const item of items) {
    const kind = 'messaging' in item ? (item.standby ? 'standby' : 'messaging') : 'changes';
    const key = `${item.pageId}/${kind}`;
    let entry = byKey.get(key);
    if (!entry) {
      entry = { id: item.pageId, time: Date.now(), [kind]: [] };
      byKey.set(key, entry);
      entries.push(entry);
    }
    (entry[kind] as unknown[]).push('messaging' in item ? item.messaging : item.change);
  }
  return { object, entry: entries };
}

function countItems(body: string): number {
  const parsed = JSON.parse(body) as { entry: { messaging?: unknown[]; standby?: unknown[]; changes?: unknown[] }[] };
  return parsed.entry.reduce((n, e) => n + (e.messaging?.length ?? 0) + (e.standby?.length ?? 0) + (e.changes?.length ?? 0), 0);
}
