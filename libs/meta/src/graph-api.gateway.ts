import { createHmac, randomBytes } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { redactSecrets } from '@app/core';
import { CcmMetrics } from '@app/observability';
import { GraphApiError } from './graph-api.error';
import { GraphHttpClient, GraphHttpStatusError, GraphOrigin, graphOrigin } from './graph-http.client';
import { PagePacer } from './page-pacer';

export interface SendApiRecipient {
  id?: string;
  user_ref?: string;
  comment_id?: string;
  post_id?: string;
}

/** The body of a Send API call (snake_case, as Meta expects). */
export interface SendApiRequest {
  recipient: SendApiRecipient;
  messaging_type?: 'RESPONSE' | 'UPDATE' | 'MESSAGE_TAG' | 'UTILITY';
  tag?: 'HUMAN_AGENT' | 'CUSTOMER_FEEDBACK';
  message?: Record<string, unknown>;
  sender_action?: 'typing_on' | 'typing_off' | 'mark_seen';
}

export interface SendApiResult {
  recipientId?: string;
  messageId?: string;
}

export interface UserProfile {
  first_name?: string;
  last_name?: string;
  profile_pic?: string;
  /** Only when asked for and the app has `pages_user_locale`. */
  locale?: string;
}

/** The User Profile fields ccm asks for by default (`locale` is asked for separately: it needs its own permission). */
export const USER_PROFILE_FIELDS = ['first_name', 'last_name', 'profile_pic'] as const;

/** An Instagram user's profile as the Messenger API for Instagram returns it (fields need the user's consent/permissions). */
export interface InstagramUserProfile {
  name?: string;
  username?: string;
  profile_pic?: string;
  follower_count?: number;
}

/**
 * The only code that talks to Meta. Every call carries the Page token in the Authorization header
 * (never in the URL), an `appsecret_proof`, and a timeout; every error that leaves here is a
 * `GraphApiError` with the token and secret redacted.
 */
/** One Graph call: path under the versioned base URL, query parameters, JSON body. */
interface GraphCall {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  params?: Record<string, string>;
  data?: unknown;
  /** A multipart/form-data body instead of JSON `data`. */
  multipart?: MultipartBody;
}

@Injectable()
export class GraphApiGateway implements OnApplicationShutdown {
  private readonly logger = new Logger(GraphApiGateway.name);

  /** appsecret_proof per token: one HMAC per token, not one per call. */
  private readonly proofs = new Map<string, string>();

  private readonly http = new GraphHttpClient();

  /** The configured base URL, parsed once. */
  private origin?: { baseUrl: string; parsed: GraphOrigin };

  constructor(
    private readonly config: CcmConfig,
    private readonly pacer: PagePacer,
    @Optional() private readonly metrics?: CcmMetrics,
  ) {}

  /** Tells pacing which Page a token belongs to (every call made with it counts against that Page). */
  notePageToken(accessToken: string, pageId: string): void {
    this.pacer.notePageToken(accessToken, pageId);
  }

  /**
   * Sends a message or a sender action.
   * @see https://developers.facebook.com/docs/messenger-platform/reference/send-api/
   */
  async send(accessToken: string, body: SendApiRequest): Promise<SendApiResult> {
    const data = await this.call<{ recipient_id?: string; message_id?: string }>(accessToken, {
      method: 'POST',
      url: '/me/messages',
      data: body,
    }).catch((error: unknown) => {
      if (error instanceof GraphApiError)
        this.metrics?.sendApiCall(error.details.network ? 'network_error' : 'meta_error', error.details.code ?? error.details.httpStatus);
      throw error;
    });
    this.metrics?.sendApiCall('ok');
    return { recipientId: data.recipient_id, messageId: data.message_id };
  }

  /**
   * Fetches a customer's public profile fields.
   * @see https://developers.facebook.com/docs/messenger-platform/identity/user-profile
   */
  async getUserProfile(accessToken: string, psid: string, fields: readonly string[] = USER_PROFILE_FIELDS): Promise<UserProfile> {
    return this.call<UserProfile>(accessToken, {
      method: 'GET',
      url: `/${encodeURIComponent(psid)}`,
      params: { fields: fields.join(',') },
    });
  }

  /**
   * Fetches an Instagram user's profile (IGSID, Page token of the linked Page).
   * @see https://developers.facebook.com/docs/messenger-platform/instagram/features/user-profile
   */
  async getInstagramProfile(accessToken: string, igsid: string): Promise<InstagramUserProfile> {
    return this.call<InstagramUserProfile>(accessToken, {
      method: 'GET',
      url: `/${encodeURIComponent(igsid)}`,
      params: { fields: 'name,username,profile_pic,follower_count' },
    });
  }

  /**
   * Replies publicly to a Page comment (the reply appears in the comment's thread, as the Page).
   * @see https://developers.facebook.com/docs/graph-api/reference/object/comments/#publish
   */
  async replyToComment(accessToken: string, commentId: string, message: string): Promise<{ id: string }> {
    return this.call<{ id: string }>(accessToken, { method: 'POST', url: `/${encodeURIComponent(commentId)}/comments`, data: { message } });
  }

  /**
   * Likes (`POST`) or unlikes (`DELETE`) a comment as the Page.
   * @see https://developers.facebook.com/docs/graph-api/reference/object/likes/
   */
  async setCommentLiked(accessToken: string, commentId: string, liked: boolean): Promise<void> {
    await this.call<{ success?: boolean }>(accessToken, {
      method: liked ? 'POST' : 'DELETE',
      url: `/${encodeURIComponent(commentId)}/likes`,
    });
  }

  /**
   * Hides or unhides a comment (hidden: visible only to its author and their friends).
   * @see https://developers.facebook.com/docs/graph-api/reference/comment/#updating
   */
  async setCommentHidden(accessToken: string, commentId: string, hidden: boolean): Promise<void> {
    await this.call<{ success?: boolean }>(accessToken, {
      method: 'POST',
      url: `/${encodeURIComponent(commentId)}`,
      data: { is_hidden: hidden },
    });
  }

  /**
   * Deletes a comment on one of the Page's posts.
   * @see https://developers.facebook.com/docs/graph-api/reference/comment/#deleting
   */
  async deleteComment(accessToken: string, commentId: string): Promise<void> {
    await this.call<{ success?: boolean }>(accessToken, { method: 'DELETE', url: `/${encodeURIComponent(commentId)}` });
  }

  /**
   * A private reply: one Messenger message to the author of a comment (Send API with
   * `recipient.comment_id`); Meta allows one per comment, within 7 days of it.
   * @see https://developers.facebook.com/docs/messenger-platform/discovery/private-replies/
   */
  async sendPrivateReply(accessToken: string, commentId: string, message: Record<string, unknown>): Promise<SendApiResult> {
    return this.send(accessToken, { recipient: { comment_id: commentId }, messaging_type: 'RESPONSE', message });
  }

  /**
   * Uploads media by URL for reuse; Meta answers with an `attachment_id` private to the Page (90 days).
   * @see https://developers.facebook.com/docs/messenger-platform/send-messages/saving-assets
   */
  async uploadAttachment(accessToken: string, type: 'image' | 'audio' | 'video' | 'file', url: string): Promise<string> {
    const data = await this.call<{ attachment_id: string }>(accessToken, {
      method: 'POST',
      url: '/me/message_attachments',
      data: { message: { attachment: { type, payload: { url, is_reusable: true } } } },
    });
    return data.attachment_id;
  }

  /**
   * Uploads a file's bytes for reuse (Attachment Upload API, multipart `message` + `filedata`): Meta
   * needs no URL to fetch, so a file ccm keeps itself can be sent without a public address. Answers an
   * `attachment_id` private to the Page (90 days), like the upload by URL.
   * @see https://developers.facebook.com/docs/messenger-platform/reference/attachment-upload-api/
   */
  async uploadAttachmentData(
    accessToken: string,
    type: 'image' | 'audio' | 'video' | 'file',
    file: { bytes: Buffer; contentType: string; filename: string },
  ): Promise<string> {
    const data = await this.call<{ attachment_id: string }>(accessToken, {
      method: 'POST',
      url: '/me/message_attachments',
      multipart: multipartBody([
        { name: 'message', value: Buffer.from(JSON.stringify({ attachment: { type, payload: { is_reusable: true } } })) },
        { name: 'filedata', value: file.bytes, filename: file.filename, contentType: file.contentType },
      ]),
    });
    return data.attachment_id;
  }

  /**
   * Sets Messenger Profile properties of the token's Page (only those given); Meta answers `{"result":"success"}`.
   * @see https://developers.facebook.com/docs/messenger-platform/reference/messenger-profile-api/
   */
  async setMessengerProfile(accessToken: string, profile: Record<string, unknown>): Promise<void> {
    await this.call<{ result?: string }>(accessToken, { method: 'POST', url: '/me/messenger_profile', data: profile });
  }

  /** Reads Messenger Profile properties back (`GET /me/messenger_profile?fields=…` → `{"data":[{…}]}`). */
  async getMessengerProfile(accessToken: string, fields: readonly string[]): Promise<Record<string, unknown>> {
    const data = await this.call<{ data?: Record<string, unknown>[] }>(accessToken, {
      method: 'GET',
      url: '/me/messenger_profile',
      params: { fields: fields.join(',') },
    });
    return data.data?.[0] ?? {};
  }

  /**
   * The apps subscribed to the Page's webhooks and their fields (`GET /{page-id}/subscribed_apps`).
   * @see https://developers.facebook.com/docs/graph-api/reference/page/subscribed_apps
   */
  async getSubscribedApps(accessToken: string, pageId: string): Promise<{ id?: string; name?: string; subscribed_fields?: string[] }[]> {
    const data = await this.call<{ data?: { id?: string; name?: string; subscribed_fields?: string[] }[] }>(accessToken, {
      method: 'GET',
      url: `/${encodeURIComponent(pageId)}/subscribed_apps`,
    });
    return data.data ?? [];
  }

  /** Subscribes the app to the Page's webhooks with these fields (`POST /{page-id}/subscribed_apps`). */
  async subscribeApp(accessToken: string, pageId: string, fields: readonly string[]): Promise<void> {
    await this.call<{ success?: boolean }>(accessToken, {
      method: 'POST',
      url: `/${encodeURIComponent(pageId)}/subscribed_apps`,
      params: { subscribed_fields: fields.join(',') },
    });
  }

  /**
   * Conversation Routing: passes the thread of `recipientId` to another app (e.g. the Page inbox 263902037430900).
   * @see https://developers.facebook.com/docs/messenger-platform/conversation-routing
   */
  async passThreadControl(accessToken: string, recipientId: string, targetAppId: string, metadata?: string): Promise<void> {
    await this.call<{ success?: boolean }>(accessToken, {
      method: 'POST',
      url: '/me/pass_thread_control',
      data: { recipient: { id: recipientId }, target_app_id: targetAppId, ...(metadata ? { metadata } : {}) },
    });
  }

  /** Conversation Routing: takes the thread of `recipientId` back from whichever app owns it. */
  async takeThreadControl(accessToken: string, recipientId: string, metadata?: string): Promise<void> {
    await this.call<{ success?: boolean }>(accessToken, {
      method: 'POST',
      url: '/me/take_thread_control',
      data: { recipient: { id: recipientId }, ...(metadata ? { metadata } : {}) },
    });
  }

  /**
   * Conversation Routing: asks the app that owns the thread of `recipientId` to pass it to ccm (when
   * ccm may not take it: it is not the Page's default app). The owner gets a `request_thread_control` webhook.
   */
  async requestThreadControl(accessToken: string, recipientId: string, metadata?: string): Promise<void> {
    await this.call<{ success?: boolean }>(accessToken, {
      method: 'POST',
      url: '/me/request_thread_control',
      data: { recipient: { id: recipientId }, ...(metadata ? { metadata } : {}) },
    });
  }

  /** `GET /me` with the Page token: cheap check that the token still works. */
  async me(accessToken: string): Promise<{ id: string; name?: string }> {
    return this.call(accessToken, { method: 'GET', url: '/me' });
  }

  private async call<T>(accessToken: string, request: GraphCall): Promise<T> {
    const { baseUrl, timeoutMs, appSecret } = this.config.graph;
    try {
      await this.pacer.beforeCall(accessToken);
      if (this.origin?.baseUrl !== baseUrl) this.origin = { baseUrl, parsed: graphOrigin(baseUrl) };
      const proof = this.proof(appSecret, accessToken);
      // (The proof is hex: nothing to encode.)
      const query = request.params
        ? new URLSearchParams({ ...request.params, appsecret_proof: proof }).toString()
        : `appsecret_proof=${proof}`;
      return await this.http.request<T>({
        method: request.method,
        url: { origin: this.origin.parsed, path: `${request.url}?${query}` },
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': request.multipart?.contentType ?? 'application/json' },
        body: request.data,
        rawBody: request.multipart?.body,
        timeoutMs,
      });
    } catch (error) {
      throw this.toGraphError(error, [accessToken, appSecret]);
    }
  }

  onApplicationShutdown(): void {
    this.http.close();
  }

  private proof(appSecret: string, accessToken: string): string {
    let proof = this.proofs.get(accessToken);
    if (proof === undefined) {
      proof = appSecretProof(appSecret, accessToken);
      if (this.proofs.size >= 1000) this.proofs.clear(); // tokens are few; a bound against leaks
      this.proofs.set(accessToken, proof);
    }
    return proof;
  }

  private toGraphError(error: unknown, secrets: string[]): GraphApiError {
    if (error instanceof GraphHttpStatusError) {
      const body = error.data as { error?: { message?: string; code?: number; error_subcode?: number; fbtrace_id?: string } } | undefined;
      const e = body?.error;
      return new GraphApiError(redactSecrets(e?.message ?? `HTTP ${error.status}`, secrets), {
        httpStatus: error.status,
        code: e?.code,
        subcode: e?.error_subcode,
        fbtraceId: e?.fbtrace_id,
      });
    }
    const message = error instanceof Error ? error.message : String(error);
    const wrapped = new GraphApiError(redactSecrets(`Graph API unreachable: ${message}`, secrets), { network: true });
    this.logger.debug(wrapped.message);
    return wrapped;
  }
}

/** hex(HMAC-SHA256(app_secret, access_token)) — proves the call comes from the app's server. */
export function appSecretProof(appSecret: string, accessToken: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex');
}

interface MultipartBody {
  contentType: string;
  body: Buffer;
}

/** A multipart/form-data body (RFC 7578): text fields and files, each part with its own headers. */
export function multipartBody(parts: { name: string; value: Buffer; filename?: string; contentType?: string }[]): MultipartBody {
  const boundary = `ccm-${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const file = part.filename === undefined ? '' : `; filename="${quoted(part.filename)}"`;
    const type = part.contentType === undefined ? '' : `\r\ncontent-type: ${part.contentType}`;
    chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${quoted(part.name)}"${file}${type}\r\n\r\n`));
    chunks.push(part.value, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(chunks) };
}

/** A header parameter value: quotes, backslashes and line breaks escaped as browsers do (%22, %0D, %0A). */
function quoted(value: string): string {
  return value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
