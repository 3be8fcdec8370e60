import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { FastifyRequest } from 'fastify';
import { CcmConfig } from '@app/config';
import { DeskErrorCode, DeskException } from '../http/desk.exception';
import { AgentTokenService } from './agent-token.service';
import { Principal } from './principal';
import { PresenceHeartbeat } from './presence-heartbeat.service';

type AuthedRequest = FastifyRequest & { principal?: Principal };

export function constantTimeEquals(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

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

/**
 * The admin API (agents, settings): `x-admin-key: ADMIN_API_KEY`, or the desk login of an agent with
 * the `admin` role (`Authorization: Bearer`), whose name then is the audited actor.
 */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(
    private readonly config: CcmConfig,
    private readonly tokens: AgentTokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const bearer = /^Bearer\s+(\S+)$/i.exec(headerOf(request, 'authorization') ?? '');
    if (headerOf(request, 'x-admin-key') === undefined && bearer) {
      const principal = await this.tokens.verify(bearer[1]);
      if (!principal) throw new DeskException(DeskErrorCode.Unauthenticated, 'invalid or expired token');
      if (principal.role !== 'admin') throw new DeskException(DeskErrorCode.Forbidden, 'only admins change settings');
      request.principal = principal;
      request.headers['x-admin-actor'] = `agent:${principal.name}`; // audited as who they are, not what they claim
      return true;
    }
    const expected = this.config.agents.adminApiKey;
    const given = headerOf(request, 'x-admin-key');
    if (given === undefined) throw new DeskException(DeskErrorCode.Unauthenticated, 'missing x-admin-key header');
    if (!expected) throw new DeskException(DeskErrorCode.AdminApiDisabled, 'the admin API is disabled: set ADMIN_API_KEY');
    if (!constantTimeEquals(given, expected)) throw new DeskException(DeskErrorCode.Unauthenticated, 'invalid admin key');
    return true;
  }
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
