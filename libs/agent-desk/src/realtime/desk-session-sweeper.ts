import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { PollingLoop } from '@app/core';
import { PersistenceService } from '@app/persistence';
import { isRevoked } from '../auth/agent-token.service';
import { AgentTokenClaims } from '../auth/principal';
import { DeskGateway, DeskSocket } from './desk.gateway';

/** Often enough that an ended session loses its desk within a second. */
const SWEEP_MS = 250;

/**
 * Ends open desk sockets whose session ended after they connected: the token expired, the agent
 * logged out (all sessions revoked), was disabled, or had their role changed. One database read per
 * pass for all sockets of this instance (every instance sweeps its own sockets, so this holds across
 * instances). The client is told why (`session_ended`) before it is disconnected.
 */
@Injectable()
export class DeskSessionSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop = new PollingLoop('desk-session-sweeper', () => this.sweep().then(() => false), SWEEP_MS);

  constructor(
    private readonly gateway: DeskGateway,
    private readonly jwt: JwtService,
    private readonly persistence: PersistenceService,
  ) {}

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  async sweep(now = Date.now()): Promise<number> {
    const sockets = this.gateway.openSockets().filter((s) => s.data.principal?.kind === 'agent');
    if (sockets.length === 0) return 0;
    const ids = [...new Set(sockets.map((s) => s.data.principal!.agentId))];
    const agents = new Map(
      (
        await this.persistence.db
          .selectFrom('agents')
          .select(['id', 'role', 'disabled', 'tokens_valid_after'])
          .where('id', 'in', ids)
          .execute()
      ).map((a) => [a.id, a]),
    );
    let ended = 0;
    for (const socket of sockets) {
      const reason = this.endReason(socket, agents.get(socket.data.principal!.agentId), now);
      if (!reason) continue;
      socket.emit('session_ended', { reason });
      socket.disconnect(true);
      ended += 1;
    }
    return ended;
  }

  private endReason(
    socket: DeskSocket,
    agent: { role: string; disabled: number; tokens_valid_after?: number | null } | undefined,
    now: number,
  ): string | undefined {
    if (!agent) return 'agent_deleted';
    if (agent.disabled) return 'agent_disabled';
    if (agent.role !== socket.data.principal!.role) return 'role_changed';
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const claims =
      typeof token === 'string'
        ? (this.jwt.decode<(AgentTokenClaims & { exp?: number; iat?: number }) | null>(token) ?? undefined)
        : undefined;
    if (!claims) return 'token_invalid';
    if (claims.exp !== undefined && claims.exp * 1000 <= now) return 'token_expired';
    if (isRevoked(claims, agent.tokens_valid_after)) return 'logged_out';
    return undefined;
  }
}
