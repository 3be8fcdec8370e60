import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Extends } from '@app/core';
import { PersistenceService } from '@app/persistence';
import { BEARER_TOKEN_VERIFIERS } from '@app/platform-http';
import { AgentTokenClaims, Principal } from './principal';

/**
 * Issues and checks the short-lived agent JWT used by REST (Bearer) and Socket.IO (handshake auth);
 * the platform's admin guard asks it whose a bearer token is (an admin's login opens the admin API).
 */
@Injectable()
@Extends(BEARER_TOKEN_VERIFIERS)
export class AgentTokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly persistence: PersistenceService,
  ) {}

  /** Ends every session of the agent issued until now (logout; also used on disable and role change). */
  async revokeAll(agentId: string, now = Date.now()): Promise<void> {
    await this.persistence.repos.agents.update(agentId, { tokens_valid_after: now });
  }

  async issue(claims: AgentTokenClaims): Promise<string> {
    return this.jwt.signAsync({ ...claims, iatMs: Date.now() });
  }

  /**
   * The principal for a token, or undefined when it is invalid or expired — or when the agent was
   * disabled after the token was issued (checked in the database on every use, so disabling is immediate).
   */
  async verify(token: string | undefined): Promise<Principal | undefined> {
    if (!token) return undefined;
    let claims: AgentTokenClaims;
    try {
      claims = await this.jwt.verifyAsync<AgentTokenClaims>(token);
    } catch {
      return undefined;
    }
    const agent = await this.persistence.repos.agents.findById(claims.sub);
    if (!agent || agent.disabled || isRevoked(claims, agent.tokens_valid_after)) return undefined;
    return { kind: 'agent', agentId: agent.id, role: agent.role, name: agent.display_name };
  }
}

/** Issued before the agent's sessions were ended (`tokens_valid_after`). */
export function isRevoked(claims: { iatMs?: number; iat?: number }, validAfter: number | null | undefined): boolean {
  if (!validAfter) return false;
  const issuedAt = claims.iatMs ?? (claims.iat ?? 0) * 1000;
  return issuedAt < validAfter;
}
