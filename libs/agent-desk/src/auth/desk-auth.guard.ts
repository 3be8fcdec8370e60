import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { CcmConfig } from '@app/config';
import { constantTimeEquals, headerOf } from '@app/platform-http';
import { DeskErrorCode, DeskException } from '../http/desk.exception';
import { AgentTokenService } from './agent-token.service';
import { Principal } from './principal';
import { PresenceHeartbeat } from './presence-heartbeat.service';

type AuthedRequest = FastifyRequest & { principal?: Principal };

/**
 * Authenticates every desk route: `Authorization: Bearer <agent JWT>`, or — with the external
 * bridge — `x-api-key: CHAT_SERVER_API_KEY` (the chat server, acting for `x-agent-id`).
 */
@Injectable()
export class DeskAuthGuard implements CanActivate {
  constructor(
    private readonly tokens: AgentTokenService,
    private readonly config: CcmConfig,
    private readonly heartbeat: PresenceHeartbeat,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const apiKey = headerOf(request, 'x-api-key');
    const chatServer = this.config.agents.chatServer;
    if (apiKey !== undefined) {
      if (!chatServer || !constantTimeEquals(apiKey, chatServer.apiKey))
        throw new DeskException(DeskErrorCode.Unauthenticated, 'invalid API key');
      const agent = (headerOf(request, 'x-agent-id') ?? 'chat-server').slice(0, 56);
      request.principal = { kind: 'chat-server', agentId: `ext:${agent}`, role: 'supervisor', name: agent };
      return true;
    }
    const match = /^Bearer\s+(\S+)$/i.exec(headerOf(request, 'authorization') ?? '');
    if (!match) throw new DeskException(DeskErrorCode.Unauthenticated, 'missing bearer token (POST /api/auth/login)');
    const principal = await this.tokens.verify(match[1]);
    if (!principal) throw new DeskException(DeskErrorCode.Unauthenticated, 'invalid or expired token');
    request.principal = principal;
    await this.heartbeat.seen(principal.agentId); // any API call keeps the agent present
    return true;
  }
}

/** The authenticated caller (set by `DeskAuthGuard`). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthedRequest>().principal;
  if (!principal) throw new DeskException(DeskErrorCode.Unauthenticated, 'not authenticated');
  return principal;
});
