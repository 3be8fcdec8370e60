import { ExecutionContext } from '@nestjs/common';
import { loadCcmConfig } from '@app/config';
import { Extends, ListedExtensions } from '@app/core';
import { AdminKeyGuard, ApiPrincipal, BEARER_TOKEN_VERIFIERS, BearerTokenVerifier } from './admin-key.guard';
import { ApiException } from './api-error';

/** Logins as a token table (the agent desk's JWTs play this part in the app). */
@Extends(BEARER_TOKEN_VERIFIERS)
class TokenTable implements BearerTokenVerifier {
  constructor(private readonly logins: Record<string, ApiPrincipal>) {}
  async verify(token: string | undefined): Promise<ApiPrincipal | undefined> {
    return token ? this.logins[token] : undefined;
  }
}

function contextFor(headers: Record<string, string>): { context: ExecutionContext; request: { headers: Record<string, string> } } {
  const request = { headers };
  const context = { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  return { context, request };
}

async function outcome(guard: AdminKeyGuard, headers: Record<string, string>): Promise<string> {
  try {
    return String(await guard.canActivate(contextFor(headers).context));
  } catch (error) {
    if (error instanceof ApiException) return `${error.status} ${error.code}`;
    throw error;
  }
}

describe('AdminKeyGuard', () => {
  const config = loadCcmConfig({ ADMIN_API_KEY: 'admin-key-0123456789' });
  const logins = new TokenTable({
    'ada-token': { agentId: 'a1', role: 'admin', name: 'Ada' },
    'sam-token': { agentId: 'a2', role: 'agent', name: 'Sam' },
  });

  it('should let the admin key in and refuse a missing or wrong one', async () => {
    const guard = new AdminKeyGuard(config, new ListedExtensions([logins]));
    expect(await outcome(guard, { 'x-admin-key': 'admin-key-0123456789' })).toBe('true');
    expect(await outcome(guard, { 'x-admin-key': 'admin-key-0123456780' })).toBe('401 UNAUTHENTICATED');
    expect(await outcome(guard, {})).toBe('401 UNAUTHENTICATED');
  });

  it("should let an admin's login in as the audited actor, and refuse another role's or an unknown token", async () => {
    const guard = new AdminKeyGuard(config, new ListedExtensions([logins]));
    const { context, request } = contextFor({ authorization: 'Bearer ada-token', 'x-admin-actor': 'someone-else' });
    expect(await guard.canActivate(context)).toBe(true);
    expect(request.headers['x-admin-actor']).toBe('agent:Ada');
    expect(await outcome(guard, { authorization: 'Bearer sam-token' })).toBe('403 FORBIDDEN');
    expect(await outcome(guard, { authorization: 'Bearer forged' })).toBe('401 UNAUTHENTICATED');
  });

  it('should refuse every bearer token when nothing can verify one (no agent desk running)', async () => {
    expect(await outcome(new AdminKeyGuard(config, new ListedExtensions([])), { authorization: 'Bearer ada-token' })).toBe(
      '401 UNAUTHENTICATED',
    );
  });

  it('should answer ADMIN_API_DISABLED to a key when ADMIN_API_KEY is not set', async () => {
    const guard = new AdminKeyGuard(
      loadCcmConfig({
        FACEBOOK_APP_SECRET: 'x'.repeat(16),
        FACEBOOK_PAGE_ACCESS_TOKEN: 'p'.repeat(20),
        FACEBOOK_VERIFY_TOKEN: 'v'.repeat(12),
      }),
      new ListedExtensions([]),
    );
    expect(await outcome(guard, { 'x-admin-key': 'anything' })).toBe('403 ADMIN_API_DISABLED');
  });
});
