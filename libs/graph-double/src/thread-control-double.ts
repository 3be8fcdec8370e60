import { DoubleAnswer } from './comment-double';
import { DOUBLE_APP_ID } from './subscribed-apps-double';

/** The Page inbox (Meta Business Suite) as an app in Conversation Routing. */
export const META_PAGE_INBOX_APP_ID = '263902037430900';

/** Meta: an app's control of a thread expires after 24 h without activity (the thread goes idle). */
const CONTROL_IDLE_MS = 24 * 60 * 60 * 1000;

interface Ownership {
  appId: string;
  /** Epoch ms; past it the thread is idle again. */
  expiresAt: number;
}

/**
 * Conversation Routing in the Graph API double (fact sheet §10): `POST /{page}/pass_thread_control`
 * (`recipient`, `target_app_id`), `/take_thread_control`, `/release_thread_control`,
 * `/request_thread_control`, `GET /{page}/thread_owner?recipient=…` (with the `expiration` of the
 * owner's control, 24 h after the last activity). A thread owned by another app refuses the calling
 * app's Send API messages with Meta's "(#10) … another app controls this thread" (subcode 2018300).
 * The calling app is `DOUBLE_APP_ID`. With `defaultApp = false` the calling app is not the Page's
 * default app: it may not take a thread another app owns (it can request it). `setOwner` lets a test
 * (or the simulator's Page inbox) hand a thread to another app without a call.
 */
export class ThreadControlDouble {
  private readonly owners = new Map<string, Ownership>();
  /** Whether ccm's app is the Page's default app in Conversation Routing (only it may take threads). */
  defaultApp = true;
  /** `request_thread_control` calls received, in order (the owner would get a webhook). */
  readonly requests: { psid: string; metadata?: string; at: number }[] = [];
  private readonly listeners: ((change: { psid: string; action: 'pass' | 'take' | 'release' | 'request'; owner?: string }) => void)[] = [];

  /** The owning app of a PSID's thread (undefined: idle, any app may send). */
  ownerOf(psid: string, now = Date.now()): string | undefined {
    const owner = this.owners.get(psid);
    return owner && owner.expiresAt > now ? owner.appId : undefined;
  }

  /** When the owner's control of the thread lapses (undefined: idle). */
  expiryOf(psid: string, now = Date.now()): number | undefined {
    const owner = this.owners.get(psid);
    return owner && owner.expiresAt > now ? owner.expiresAt : undefined;
  }

  setOwner(psid: string, appId: string | undefined, options: { expiresAt?: number } = {}): void {
    if (appId === undefined) this.owners.delete(psid);
    else this.owners.set(psid, { appId, expiresAt: options.expiresAt ?? Date.now() + CONTROL_IDLE_MS });
  }

  /** The customer wrote: the owner's control runs 24 h from now. */
  noteActivity(psid: string, at = Date.now()): void {
    const owner = this.owners.get(psid);
    if (owner && owner.expiresAt > at) owner.expiresAt = at + CONTROL_IDLE_MS;
  }

  /** Called after each successful thread-control call of the calling app (the simulator shows them). */
  onChange(listener: (change: { psid: string; action: 'pass' | 'take' | 'release' | 'request'; owner?: string }) => void): void {
    this.listeners.push(listener);
  }

  answer(method: string, path: string, body: Record<string, unknown>, query: Record<string, string>): DoubleAnswer | undefined {
    const psid = (body.recipient as { id?: string } | undefined)?.id;
    if (method === 'GET' && /^\/(me|\d+)\/thread_owner$/.test(path)) {
      const owner = this.ownerOf(query.recipient ?? '');
      const expiration = owner ? Math.floor(this.owners.get(query.recipient ?? '')!.expiresAt / 1000) : undefined;
      return [200, { data: owner ? [{ thread_owner: { app_id: owner, expiration } }] : [] }];
    }
    const action = /^\/(me|\d+)\/(pass|take|release|request)_thread_control$/.exec(path)?.[2] as
      'pass' | 'take' | 'release' | 'request' | undefined;
    if (method === 'POST' && action) {
      if (!psid) return { error: 400, code: 100, message: '(#100) param recipient must be specified' };
      const owner = this.ownerOf(psid);
      const othersThread = owner !== undefined && owner !== DOUBLE_APP_ID;
      if (action === 'pass') {
        if (typeof body.target_app_id !== 'string' && typeof body.target_app_id !== 'number')
          return { error: 400, code: 100, message: '(#100) param target_app_id must be specified' };
        if (othersThread) return { error: 400, code: 10, message: '(#10) Only the thread owner can pass thread control', subcode: 2018300 };
        this.setOwner(psid, String(body.target_app_id));
      } else if (action === 'take') {
        if (othersThread && !this.defaultApp)
          return { error: 400, code: 10, message: "(#10) Only the Page's default app can take thread control from another app" };
        this.setOwner(psid, DOUBLE_APP_ID);
      } else if (action === 'request') {
        if (!othersThread) return { error: 400, code: 100, message: '(#100) The thread is not owned by another app' };
        this.requests.push({ psid, metadata: typeof body.metadata === 'string' ? body.metadata : undefined, at: Date.now() });
      } else {
        if (othersThread)
          return { error: 400, code: 10, message: '(#10) Only the thread owner can release thread control', subcode: 2018300 };
        this.owners.delete(psid);
      }
      for (const listener of this.listeners) listener({ psid, action, owner: this.ownerOf(psid) });
      return [200, { success: true }];
    }
    if (method === 'POST' && /^\/(me|\d+)\/messages$/.test(path) && psid && body.message !== undefined) {
      const owner = this.ownerOf(psid);
      if (owner && owner !== DOUBLE_APP_ID)
        return {
          error: 400,
          code: 10,
          message: '(#10) This message is sent by an app that does not control this thread',
          subcode: 2018300,
        };
    }
    return undefined;
  }
}
