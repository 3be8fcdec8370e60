import { io, Socket } from 'socket.io-client';
import { CcmHarness } from './ccm-harness';

export const ADMIN_KEY = 'test-admin-key-0123456789';
export const AGENT_PASSWORD = 'agent-password-123';

export interface DeskAgent {
  id: string;
  username: string;
  token: string;
  api(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any }>;
}

/** Calls the agent API with JSON in and out. */
export async function callApi(
  h: CcmHarness,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${h.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body !== undefined && { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: response.status, body };
}

/** Creates an agent through the admin API and logs them in. */
export async function createAgent(h: CcmHarness, username: string, role: 'agent' | 'supervisor' = 'agent'): Promise<DeskAgent> {
  const created = await callApi(h, '/api/agents', {
    body: { username, displayName: `${username[0].toUpperCase()}${username.slice(1)}`, password: AGENT_PASSWORD, role },
    headers: { 'x-admin-key': ADMIN_KEY },
  });
  if (created.status !== 201) throw new Error(`create agent: ${created.status} ${JSON.stringify(created.body)}`);
  const login = await callApi(h, '/api/auth/login', { body: { username, password: AGENT_PASSWORD } });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
  const token = login.body.token as string;
  return {
    id: created.body.id,
    username,
    token,
    api: (path, init = {}) => callApi(h, path, { ...init, headers: { authorization: `Bearer ${token}` } }),
  };
}

/** A desk socket that records every event it receives, for `waitFor`. */
export interface DeskSocket {
  socket: Socket;
  events: { name: string; payload: any }[];
  waitFor(name: string, predicate?: (payload: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
}

export async function connectDesk(h: CcmHarness, token: string): Promise<DeskSocket> {
  const socket = io(`${h.url}/desk`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  const events: { name: string; payload: any }[] = [];
  socket.onAny((name: string, payload: unknown) => events.push({ name, payload }));
  const desk: DeskSocket = {
    socket,
    events,
    async waitFor(name, predicate = () => true, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = events.find((e) => e.name === name && predicate(e.payload));
        if (hit) return hit.payload;
        if (Date.now() > deadline) throw new Error(`no ${name} event within ${timeoutMs} ms; got: ${events.map((e) => e.name).join(', ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => socket.close(),
  };
  await desk.waitFor('ready');
  return desk;
}
