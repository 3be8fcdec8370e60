import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Conversation = Schemas['ConversationView'];
export type Message = Schemas['MessageView'];
export type Agent = Schemas['AgentView'];
export type AgentSummary = Schemas['AgentSummary'];
export type DirectoryEntry = Schemas['AgentDirectoryEntry'];
export type Note = Schemas['NoteView'];
export type CannedResponse = Schemas['CannedResponseView'];
export type ChannelDescriptor = Schemas['ChannelDescriptorView'];
export type Page = Schemas['PageView'];
export type AgentStatus = Agent['status'];
export type Attachment = Schemas['AttachmentView'];
export type Episode = Schemas['EpisodeView'];

/** An error answer of the API: `{ error: { code, message, details? } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

const session = { token: '', onExpired: (_why: string) => {} };

export function setSession(token: string, onExpired: (why: string) => void): void {
  session.token = token;
  session.onExpired = onExpired;
}

const auth: Middleware = {
  onRequest({ request }) {
    if (session.token) request.headers.set('authorization', `Bearer ${session.token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(auth);

/** The data of a call, or an `ApiError` (a 401 ends the session, with the reason shown on the sign-in screen). */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch {
    throw new ApiError(0, 'NETWORK', 'ccm cannot be reached; retrying when it is back');
  }
  const { data, error, response } = result;
  if (response.ok) return data as T;
  const body = (error ?? {}) as { error?: { code?: string; message?: string; details?: { field: string; message: string }[] } };
  const failure = new ApiError(
    response.status,
    body.error?.code ?? `HTTP_${response.status}`,
    body.error?.message ?? response.statusText,
    body.error?.details,
  );
  if (response.status === 401 && session.token) session.onExpired('Your session has expired. Sign in again — your drafts are kept.');
  throw failure;
}

/** Uploads a file from the agent's disk into ccm's media store (raw bytes); the answer has ccm's link to send. */
export function uploadAttachment(conversationId: string, file: File): Promise<Attachment> {
  return call(
    api.POST('/api/conversations/{id}/attachments', {
      params: { path: { id: conversationId }, query: { filename: file.name } },
      body: file as never,
      bodySerializer: (body: unknown) => body as BodyInit,
      headers: { 'content-type': file.type || 'application/octet-stream' },
    }),
  );
}
