import { AgentRole } from '@app/persistence';

/**
 * Who is calling the desk API. An agent (JWT from the login) or the external chat server (API
 * key), which acts for its own agents and sees every conversation, like a supervisor.
 */
export interface Principal {
  kind: 'agent' | 'chat-server';
  /** Agent id; for the chat server `ext:<x-agent-id header or "chat-server">`. */
  agentId: string;
  role: AgentRole;
  name: string;
}

/** Claims of the agent JWT. */
export interface AgentTokenClaims {
  sub: string;
  role: AgentRole;
  name: string;
  /** Issued at, in ms (JWT's `iat` is in seconds: too coarse to tell a token from a logout in the same second). */
  iatMs?: number;
}

/** Supervisors and admins see and act on every conversation. */
export function isSupervisor(principal: Pick<Principal, 'role'>): boolean {
  return principal.role === 'supervisor' || principal.role === 'admin';
}
