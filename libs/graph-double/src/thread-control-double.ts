import { DoubleAnswer } from './comment-double';
import { DOUBLE_APP_ID } from './subscribed-apps-double';

/**
 * Conversation Routing in the Graph API double (fact sheet §10): `POST /{page}/pass_thread_control`
 * (`recipient`, `target_app_id`), `/take_thread_control`, `/release_thread_control`,
 * `GET /{page}/thread_owner?recipient=…`. A thread owned by another app refuses the calling app's
 * Send API messages with Meta's "(#10) … another app controls this thread" (subcode 2018300).
 * The calling app is `DOUBLE_APP_ID`; `setOwner` lets a test hand a thread to another app (e.g. the
 * Page inbox replied) without a call.
 */
export class ThreadControlDouble {
  /** PSID → owning app id (absent: idle, any app may send). */
  readonly owners = new Map<string, string>();

  setOwner(psid: string, appId: string | undefined): void {
    if (appId === undefined) this.owners.delete(psid);
    else this.owners.set(psid, appId);
  }

  answer(method: string, path: string, body: Record<string, unknown>, query: Record<string, string>): DoubleAnswer | undefined {
    const psid = (body.recipient as { id?: string } | undefined)?.id;
    if (method === 'GET' && /^\/(me|\d+)\/thread_owner$/.test(path)) {
      const owner = this.owners.get(query.recipient ?? '');
      return [200, { data: owner ? [{ thread_owner: { app_id: owner } }] : [] }];
    }
    const action = /^\/(me|\d+)\/(pass|take|release)_thread_control$/.exec(path)?.[2];
    if (method === 'POST' && action) {
      if (!psid) return { error: 400, code: 100, message: '(#100) param recipient must be specified' };
      if (action === 'pass') {
        if (typeof body.target_app_id !== 'string' && typeof body.target_app_id !== 'number')
          return { error: 400, code: 100, message: '(#100) param target_app_id must be specified' };
        const owner = this.owners.get(psid);
        if (owner && owner !== DOUBLE_APP_ID)
          return { error: 400, code: 10, message: '(#10) Only the thread owner can pass thread control', subcode: 2018300 };
        this.owners.set(psid, String(body.target_app_id));
      } else if (action === 'take') {
        this.owners.set(psid, DOUBLE_APP_ID);
      } else {
        this.owners.delete(psid);
      }
      return [200, { success: true }];
    }
    if (method === 'POST' && /^\/(me|\d+)\/messages$/.test(path) && psid && body.message !== undefined) {
      const owner = this.owners.get(psid);
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
