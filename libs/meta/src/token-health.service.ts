import { BadRequestException, ConflictException, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { openSecret, PollingLoop, sealSecret } from '@app/core';
import { GraphApiError } from './graph-api.error';
import { classifyGraphError } from './retry-policy';
import { GraphApiGateway } from './graph-api.gateway';
import { LeaderElection, PersistenceService } from '@app/persistence';
import { PageDirectory } from './page-directory.service';

/** What a token check found: `unverified` when Meta could not say (timeout, 5xx, unreachable). */
export interface TokenCheckOutcome {
  status: 'valid' | 'invalid' | 'unverified';
  error?: string;
}

/**
 * Knows whether each Page's token works. A scheduled `GET /me` finds an expired or revoked token
 * before a customer does; a send that fails with 190 marks it invalid (see the outbox); a new token
 * set through the admin API is checked and, if good, resumes the paused sends.
 */
@Injectable()
export class TokenHealthService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TokenHealthService.name);
  private readonly loop?: PollingLoop;

  constructor(
    private readonly config: CcmConfig,
    private readonly gateway: GraphApiGateway,
    private readonly persistence: PersistenceService,
    private readonly pages: PageDirectory,
    private readonly election: LeaderElection,
  ) {
    if (config.messenger.tokenCheckIntervalMs > 0) {
      // A singleton loop: one instance checks the tokens for all.
      this.loop = new PollingLoop(
        'token-health',
        async () => (this.election.isLeader && (await this.checkAll()), false),
        config.messenger.tokenCheckIntervalMs,
      );
    }
  }

  onApplicationBootstrap(): void {
    this.loop?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop?.stop();
  }

  /** Checks every configured Page token once. */
  async checkAll(): Promise<void> {
    if (this.config.pages.some((p) => !p.pageId)) await this.pages.learnMissingPageIds();
    for (const page of this.config.pages) {
      if (!page.pageId) continue;
      const state = await this.persistence.repos.pageStates.get(page.pageId);
      await this.check(
        page.pageId,
        state?.access_token ? openSecret(this.config.operations.encryptionKey, state.access_token) : page.accessToken,
      );
    }
  }

  /**
   * A replacement token must work and belong to this Page: a token of another Page (`GET /me`
   * answers with a different id) is refused with 400 and never stored, or replies would go out as
   * the wrong Page.
   */
  async replaceToken(pageId: string, accessToken: string): Promise<TokenCheckOutcome> {
    if (!this.config.operations.encryptionKey) {
      throw new ConflictException({
        statusCode: 409,
        error: 'Conflict',
        message: 'CCM_ENCRYPTION_KEY is not set: a Page token set through the admin API is stored encrypted with it (openssl rand -hex 32)',
      });
    }
    const owner = await this.gateway.me(accessToken).then(
      (me) => me.id,
      () => undefined, // invalid or Meta unreachable: `check` below decides and explains
    );
    if (owner !== undefined && owner !== pageId) {
      this.logger.warn(`page ${pageId}: a replacement token was refused: it belongs to page ${owner}`);
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: [`accessToken: belongs to page ${owner}, not to page ${pageId}`],
      });
    }
    const outcome = await this.verify(pageId, accessToken, true);
    if (outcome.status === 'valid') this.logger.log(`page ${pageId}: new access token accepted and stored encrypted; paused sends resume`);
    else this.logger.warn(`page ${pageId}: replacement token not stored (${outcome.status}: ${outcome.error})`);
    return outcome;
  }

  private async check(pageId: string, token: string): Promise<'valid' | 'invalid'> {
    // A scheduled check that could not reach Meta changes nothing (the token is presumed still good).
    return (await this.verify(pageId, token, false)).status === 'invalid' ? 'invalid' : 'valid';
  }

  /** `unverified`: Meta could not say (timeout, 5xx); a replacement is then not stored. */
  private async verify(pageId: string, token: string, replacing: boolean): Promise<TokenCheckOutcome> {
    const now = Date.now();
    try {
      await this.gateway.me(token);
      const sealed = replacing ? sealSecret(this.config.operations.encryptionKey!, token) : undefined;
      await this.persistence.repos.pageStates.markTokenValid(pageId, now, sealed);
      return { status: 'valid' };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof GraphApiError && classifyGraphError(error) === 'token') {
        if (!replacing) {
          this.logger.error(`ALERT: the access token of page ${pageId} is invalid (${message}); sends to this page are paused`);
          await this.persistence.repos.pageStates.markTokenInvalid(pageId, message, now);
        }
        return { status: 'invalid', error: message };
      }
      this.logger.warn(`token check of page ${pageId} inconclusive: ${message}`);
      return { status: 'unverified', error: message };
    }
  }
}
