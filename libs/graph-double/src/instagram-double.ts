import { randomBytes } from 'node:crypto';
import { DoubleAnswer } from './comment-double';
import { MessagingItem } from './messenger-simulator';

/** An Instagram user as the double knows them (Instagram-scoped id, IGSID). */
export interface InstagramUser {
  igsid: string;
  /** The Instagram professional account they write to. */
  accountId: string;
  name?: string;
  username?: string;
  profilePic?: string;
  followerCount?: number;
}

const TEXT_MAX_BYTES = 1000;
const INSTAGRAM_BUTTON_TYPES = ['web_url', 'postback'];
const INSTAGRAM_MEDIA_TYPES = ['image', 'video', 'audio'];
const INSTAGRAM_TEMPLATES = ['generic', 'button'];

/**
 * The Instagram part of the Graph API double (Messenger API for Instagram, fact sheet §11): Send API
 * calls to a known IGSID go through the same `/{page-id}/messages` endpoint with the linked Page's
 * token, and are checked against what Instagram takes on top of Messenger's rules — text ≤ 1000
 * UTF-8 bytes, only `web_url`/`postback` buttons, only button and generic templates, no `file`
 * attachments, no `metadata`, only the `HUMAN_AGENT` tag — answering like Meta with (#100). The
 * message then continues through the Messenger checks (window, ids). `GET /{igsid}` answers the
 * Instagram profile fields (name, username, profile_pic, follower_count).
 */
export class InstagramDouble {
  /** Instagram professional account id → the Facebook Page it is linked to. */
  readonly accounts = new Map<string, string>();
  readonly users = new Map<string, InstagramUser>();

  link(accountId: string, pageId: string): void {
    this.accounts.set(accountId, pageId);
  }

  addUser(user: InstagramUser): void {
    this.users.set(user.igsid, user);
  }

  answer(
    method: string,
    path: string,
    body: Record<string, unknown>,
    pageId: string,
    query: Record<string, string>,
  ): DoubleAnswer | undefined {
    if (method === 'GET' && /^\/[\w-]+$/.test(path)) {
      const user = this.users.get(path.slice(1));
      if (!user) return undefined;
      if (this.accounts.get(user.accountId) !== pageId)
        return { error: 400, code: 100, message: '(#100) Unsupported get request', subcode: 33 };
      const all: Record<string, unknown> = {
        name: user.name,
        username: user.username,
        profile_pic: user.profilePic,
        follower_count: user.followerCount,
      };
      const fields = (query.fields ?? 'name,username,profile_pic').split(',');
      return [200, { id: user.igsid, ...Object.fromEntries(fields.filter((f) => all[f] !== undefined).map((f) => [f, all[f]])) }];
    }
    if (method !== 'POST' || !/^\/(me|\d+)\/messages$/.test(path)) return undefined;
    const recipient = (body.recipient ?? {}) as { id?: string };
    const user = recipient.id ? this.users.get(recipient.id) : undefined;
    if (!user) return undefined;
    if (this.accounts.get(user.accountId) !== pageId) {
      return { error: 400, code: 100, message: '(#100) No matching user found', subcode: 2018001 };
    }
    return this.checkMessage(body);
  }

  private checkMessage(body: Record<string, unknown>): DoubleAnswer | undefined {
    const refuse = (message: string): DoubleAnswer => ({ error: 400, code: 100, message: `(#100) ${message}` });
    if (body.tag !== undefined && body.tag !== 'HUMAN_AGENT') return refuse('Param tag must be HUMAN_AGENT for Instagram');
    const message = body.message as Record<string, unknown> | undefined;
    if (!message) return undefined;
    if (message.metadata !== undefined) return refuse('Param message[metadata] is not supported for Instagram');
    if (typeof message.text === 'string' && Buffer.byteLength(message.text, 'utf8') > TEXT_MAX_BYTES) {
      return refuse(`Length of param message[text] must be less than or equal to ${TEXT_MAX_BYTES} bytes`);
    }
    const attachment = message.attachment as { type?: string; payload?: Record<string, unknown> } | undefined;
    if (!attachment) return undefined;
    if (attachment.type === 'template') {
      const payload = attachment.payload ?? {};
      if (!INSTAGRAM_TEMPLATES.includes(String(payload.template_type))) {
        return refuse(`Param message[attachment][payload][template_type] ${String(payload.template_type)} is not supported for Instagram`);
      }
      const buttons = [
        ...((payload.buttons as { type?: string }[] | undefined) ?? []),
        ...((payload.elements as { buttons?: { type?: string }[] }[] | undefined) ?? []).flatMap((e) => e.buttons ?? []),
      ];
      const bad = buttons.find((b) => !INSTAGRAM_BUTTON_TYPES.includes(String(b.type)));
      if (bad) return refuse(`Button type ${String(bad.type)} is not supported for Instagram`);
      return undefined;
    }
    if (!INSTAGRAM_MEDIA_TYPES.includes(String(attachment.type))) {
      return refuse(`Param message[attachment][type] ${String(attachment.type)} is not supported for Instagram`);
    }
    return undefined;
  }
}

/** One Instagram DM as Meta posts it (`object: "instagram"`, `entry.id` = the professional account id). */
export function instagramTextItem(
  accountId: string,
  igsid: string,
  text: string,
  options: { mid?: string; timestamp?: number } = {},
): MessagingItem {
  return {
    sender: { id: igsid },
    recipient: { id: accountId },
    timestamp: options.timestamp ?? Date.now(),
    message: { mid: options.mid ?? `aWdfZAG1faXRlbToxOk${randomBytes(12).toString('hex')}`, text },
  };
}
