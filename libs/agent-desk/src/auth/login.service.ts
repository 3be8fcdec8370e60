import { Injectable } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { AgentRole, PersistenceService } from '@app/persistence';
import { DeskErrorCode, DeskException } from '../http/desk.exception';
import { AgentTokenService } from './agent-token.service';
import { dummyPasswordHash, verifyPassword } from './password-hasher';

export interface LoginResult {
  token: string;
  expiresIn: number;
  agent: { id: string; username: string; displayName: string; role: AgentRole };
}

/**
 * Password login. Failures are counted per username + IP in the database; past the limit, further
 * attempts are refused without checking the password until the window has passed. Unknown users
 * and wrong passwords get the same answer and take the same time.
 */
@Injectable()
export class LoginService {
  constructor(
    private readonly persistence: PersistenceService,
    private readonly tokens: AgentTokenService,
    private readonly config: CcmConfig,
  ) {}

  async login(username: string, password: string, ip: string, now = Date.now()): Promise<LoginResult> {
    const repos = this.persistence.repos;
    const { loginMaxFailures, loginWindowMs, jwtTtlSeconds } = this.config.agents;
    const key = username.toLowerCase();
    if ((await repos.loginFailures.countSince(key, ip, now - loginWindowMs)) >= loginMaxFailures) {
      throw new DeskException(
        DeskErrorCode.LoginRateLimited,
        `too many failed logins; try again in ${Math.round(loginWindowMs / 60000)} minutes`,
      );
    }
    const agent = await repos.agents.findByUsername(key);
    const ok = await verifyPassword(password, agent?.password_hash ?? (await dummyPasswordHash()));
    if (!agent || !ok || agent.disabled) {
      await repos.loginFailures.record(key, ip, now);
      throw new DeskException(DeskErrorCode.InvalidCredentials, 'wrong username or password');
    }
    await repos.loginFailures.clear(key, ip, now - loginWindowMs);
    const token = await this.tokens.issue({ sub: agent.id, role: agent.role, name: agent.display_name });
    return {
      token,
      expiresIn: jwtTtlSeconds,
      agent: { id: agent.id, username: agent.username, displayName: agent.display_name, role: agent.role },
    };
  }
}
