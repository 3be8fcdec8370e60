import { setTimeout as delay } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { Clock } from '@app/core';
import { CcmMetrics } from '@app/observability';
import { AgentRole, PersistenceService } from '@app/persistence';
import { DeskErrorCode, DeskException } from '../http/desk.exception';
import { AgentTokenService } from './agent-token.service';
import { CheckDurations } from './check-durations';
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
 * (LOGIN_MAX_CONCURRENT_HASHES), so a flood cannot take every thread, and only real agents' logins
 * use them: an unknown username waits as long as a recent real check took instead of hashing, so
 * a flood of made-up usernames (from any number of addresses) neither burns CPU nor queues ahead of
 * an agent; floods against real usernames are bounded by the per-username limit. Unknown users and
 * wrong passwords get the same answer in about the same time.
 */
@Injectable()
export class LoginService {
  private readonly hashing: Semaphore;
  private readonly durations = new CheckDurations();

  constructor(
    private readonly persistence: PersistenceService,
    private readonly tokens: AgentTokenService,
    private readonly config: CcmConfig,
    private readonly metrics: CcmMetrics,
    private readonly clock: Clock,
  ) {
    this.hashing = new Semaphore(config.operations.loginMaxConcurrentHashes);
  }

  async login(username: string, password: string, ip: string, now = this.clock.now()): Promise<LoginResult> {
    const failures = this.persistence.repos.loginFailures;
    const { loginMaxFailures, loginWindowMs, jwtTtlSeconds } = this.config.agents;
    const maxPerIp = this.config.operations.loginMaxFailuresPerIp;
    const key = username.toLowerCase();
    const since = now - loginWindowMs;
    const attempt = await failures.reserve(key, ip, now);
    const rank = await failures.rank(attempt, key, ip, since);
    if (rank.byUsername > loginMaxFailures || rank.byIp > maxPerIp) {
      await failures.remove(attempt); // a refused attempt does not extend the lock
      this.metrics.login('rate_limited');
      const retryAfter = Math.max(1, Math.ceil((rank.oldest + loginWindowMs - now) / 1000));
      throw new DeskException(
        DeskErrorCode.LoginRateLimited,
        `too many failed logins; try again in ${retryAfter >= 120 ? `${Math.round(retryAfter / 60)} minutes` : `${retryAfter} seconds`}`,
        undefined,
        retryAfter,
      );
    }
    const agent = await this.persistence.repos.agents.findByUsername(key);
    const ok = agent ? await this.check(password, agent.password_hash) : await this.lookAlikeCheck(password);
    if (!agent || !ok || agent.disabled) {
      this.metrics.login('invalid');
      throw new DeskException(DeskErrorCode.InvalidCredentials, 'wrong username or password'); // the reserved row stays: a failure
    }
    await failures.forgive(key, since);
    this.metrics.login('success');
    const token = await this.tokens.issue({ sub: agent.id, role: agent.role, name: agent.display_name });
    return {
      token,
      expiresIn: jwtTtlSeconds,
      agent: { id: agent.id, username: agent.username, displayName: agent.display_name, role: agent.role },
    };
  }

  /** A real password check, in one of the process-wide hashing slots; its duration is remembered. */
  private check(password: string, hash: string): Promise<boolean> {
    return this.hashing.run(async () => {
      const started = performance.now();
      try {
        return await verifyPassword(password, hash);
      } finally {
        this.durations.record(performance.now() - started);
        this.metrics.passwordCheck();
      }
    });
  }

  /** For an unknown username: as long as a real check, without one (the very first time, a real check against a dummy hash). */
  private async lookAlikeCheck(password: string): Promise<false> {
    const ms = this.durations.sample();
    if (ms === undefined) await this.check(password, await dummyPasswordHash());
    else await delay(ms);
    return false;
  }
}
