import { DoubleAnswer } from './comment-double';

/** The app id the double reports for ccm's subscription (tests may set FACEBOOK_APP_ID to it). */
export const DOUBLE_APP_ID = '880000000000001';

const ALL_FIELDS = [
  'messages',
  'message_echoes',
  'message_deliveries',
  'message_reads',
  'message_reactions',
  'message_edits',
  'messaging_postbacks',
  'messaging_referrals',
  'messaging_optins',
  'messaging_handovers',
  'standby',
  'messaging_policy_enforcement',
  'feed',
];

/**
 * `GET|POST /{page-id}/subscribed_apps` of the Graph API double (fact sheet §2.6). Every Page starts
 * subscribed with all fields; `set(pageId, fields)` (or `set(pageId, null)`: app not subscribed)
 * makes a lapsed subscription for a test; POST with `subscribed_fields` subscribes again.
 */
export class SubscribedAppsDouble {
  private readonly fields = new Map<string, string[] | null>();

  set(pageId: string, fields: string[] | null): void {
    this.fields.set(pageId, fields);
  }

  /** Back to the default: subscribed with all fields. */
  reset(pageId: string): void {
    this.fields.delete(pageId);
  }

  fieldsOf(pageId: string): string[] | null {
    return this.fields.has(pageId) ? this.fields.get(pageId)! : ALL_FIELDS;
  }

  answer(
    method: string,
    path: string,
    body: Record<string, unknown>,
    pageId: string,
    query: Record<string, string>,
  ): DoubleAnswer | undefined {
    const match = /^\/(\d+)\/subscribed_apps$/.exec(path);
    if (!match) return undefined;
    if (match[1] !== pageId)
      return { error: 403, code: 200, message: '(#200) The token is not a token of this Page', type: 'OAuthException' };
    if (method === 'GET') {
      const fields = this.fieldsOf(pageId);
      return [200, { data: fields === null ? [] : [{ id: DOUBLE_APP_ID, name: 'ccm', subscribed_fields: fields }] }];
    }
    if (method === 'POST') {
      const raw = query.subscribed_fields ?? (body.subscribed_fields as string | undefined);
      const fields = (raw ?? '').split(',').filter(Boolean);
      const unknown = fields.find((f) => !ALL_FIELDS.includes(f));
      if (fields.length === 0 || unknown)
        return { error: 400, code: 100, message: `(#100) Param subscribed_fields must be one of {${ALL_FIELDS.join(', ')}}` };
      this.fields.set(pageId, fields);
      return [200, { success: true }];
    }
    return undefined;
  }
}
