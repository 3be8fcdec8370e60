import { Injectable } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { AgentRole, PersistenceService } from '@app/persistence';
import { DeskErrorCode, DeskException } from '../http/desk.exception';
import { AgentTokenService } from './agent-token.service';
import { dummyPasswordHash, verifyPassword } from './password-hasher';
import { Semaphore } from './semaphore';

export interface LoginResult {
  token: string;
  expiresIn: number;
  agent: { id: string; username: string; displayName: string; role: AgentRole };
}

/**
 * Password login, limited in the database (so the limits hold across restarts and instances):
 * - per username, from any address (LOGIN_MAX_FAILURES within the window): a locked-out username
 *   stays locked whatever address the attempts come from;
 * - per client address, over all usernames (LOGIN_MAX_FAILURES_PER_IP).
 * An attempt is recorded *before* its password is checked and ranked by its row id, so parallel
 * attempts see each other: exactly the allowed number are checked, the rest are refused with 429 and
 * `Retry-After` without hashing anything. Password checks (scrypt) are capped process-wide
 * (LOGIN_MAX_CONCURRENT_HASHES), so a flood cannot take every thread. Unknown users and wrong
 * passwords get the same answer and take the same time.
 */
@Injectable()
export class LoginService {
  private readonly hashing: Semaphore;

  constructor(
    private readonly persistence: PersistenceService,
    private readonly tokens: AgentTokenService,
    private readonly config: CcmConfig,
  ) {
    this.hashing = new Semaphore(config.operations.loginMaxConcurrentHashes);
  }

  async login(username: string, password: string, ip: string, now = Date.now()): Promise<LoginResult> {
    const failures = this.persistence.repos.loginFailures;
    const { loginMaxFailures, loginWindowMs, jwtTtlSeconds } = this.config.agents;
    const maxPerIp = this.config.operations.loginMaxFailuresPerIp;
    const key = username.toLowerCase();
    const since = now - loginWindowMs;
    const attempt = await failures.reserve(key, ip, now);
    const rank = await failures.rank(attempt, key, ip, since);
    if (rank.byUsername > loginMaxFailures || rank.byIp > maxPerIp) {
      await failures.remove(attempt); // a refused attempt does not extend the lock
      const retryAfter = Math.max(1, Math.ceil((rank.oldest + loginWindowMs - now) / 1000));
      throw new DeskException(
        DeskErrorCode.LoginRateLimited,
        `too many failed logins; try again in ${retryAfter >= 120 ? `${Math.round(retryAfter / 60)} minutes` : `${retryAfter} seconds`}`,
        undefined,
        retryAfter,
      );
    }
    const agent = await this.persistence.repos.agents.findByUsername(key);
    const ok = await this.hashing.run(async () => verifyPassword(password, agent?.password_hash ?? (await dummyPasswordHash())));
    if (!agent || !ok || agent.disabled) {
      throw new DeskException(DeskErrorCode.InvalidCredentials, 'wrong username or password'); // the reserved row stays: a failure
    }
    await failures.forgive(key, since);
    const token = await this.tokens.issue({ sub: agent.id, role: agent.role, name: agent.display_name });
    return {
      token,
      expiresIn: jwtTtlSeconds,
      agent: { id: agent.id, username: agent.username, displayName: agent.display_name, role: agent.role },
    };
  }
}
