import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { CcmConfig } from '@app/config';
import { ExtensionPoint, Extensions } from '@app/core';
import { ApiErrorCode, ApiException } from './api-error';
import { constantTimeEquals, headerOf } from './http-headers';

/** Who a bearer token belongs to (an agent login), as far as the platform needs to know. */
export interface ApiPrincipal {
  readonly agentId: string;
  readonly role: string;
  readonly name: string;
}

/** Checks a bearer token; the agent desk's `AgentTokenService` extends it. */
export interface BearerTokenVerifier {
  verify(token: string | undefined): Promise<ApiPrincipal | undefined>;
}

/** Who can tell whose a bearer token is (the agent desk, when it runs). */
export const BEARER_TOKEN_VERIFIERS = new ExtensionPoint<BearerTokenVerifier>('bearer-token-verifiers');

type AuthedRequest = FastifyRequest & { principal?: ApiPrincipal };

/**
 * The admin API (agents, settings, operations): `x-admin-key: ADMIN_API_KEY`, or the login of an
 * agent with the `admin` role (`Authorization: Bearer`), whose name then is the audited actor.
 */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(
    private readonly config: CcmConfig,
    private readonly extensions: Extensions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const bearer = /^Bearer\s+(\S+)$/i.exec(headerOf(request, 'authorization') ?? '');
    if (headerOf(request, 'x-admin-key') === undefined && bearer) {
      const principal = await this.verify(bearer[1]);
      if (!principal) throw ApiException.of(ApiErrorCode.Unauthenticated, 'invalid or expired token');
      if (principal.role !== 'admin') throw ApiException.of(ApiErrorCode.Forbidden, 'only admins change settings');
      request.principal = principal;
      request.headers['x-admin-actor'] = `agent:${principal.name}`; // audited as who they are, not what they claim
      return true;
    }
    const expected = this.config.agents.adminApiKey;
    const given = headerOf(request, 'x-admin-key');
    if (given === undefined) throw ApiException.of(ApiErrorCode.Unauthenticated, 'missing x-admin-key header');
    if (!expected) throw ApiException.of(ApiErrorCode.AdminApiDisabled, 'the admin API is disabled: set ADMIN_API_KEY');
    if (!constantTimeEquals(given, expected)) throw ApiException.of(ApiErrorCode.Unauthenticated, 'invalid admin key');
    return true;
  }

  private async verify(token: string): Promise<ApiPrincipal | undefined> {
    for (const verifier of this.extensions.get(BEARER_TOKEN_VERIFIERS)) {
      const principal = await verifier.verify(token);
      if (principal) return principal;
    }
    return undefined;
  }
}
