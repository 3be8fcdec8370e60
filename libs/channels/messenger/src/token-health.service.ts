import { BadRequestException, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { PollingLoop } from '@app/core';
import { classifyGraphError, GraphApiError, GraphApiGateway } from '@app/graph-api';
import { LeaderElection, PersistenceService } from '@app/persistence';
import { PageDirectory } from './page-directory.service';

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
      await this.check(page.pageId, state?.access_token ?? page.accessToken);
    }
  }

  /**
   * A replacement token must work and belong to this Page: a token of another Page (`GET /me`
   * answers with a different id) is refused with 400 and never stored, or replies would go out as
   * the wrong Page.
   */
  async replaceToken(pageId: string, accessToken: string): Promise<'valid' | 'invalid'> {
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
    const status = await this.check(pageId, accessToken, true);
    if (status === 'valid') this.logger.log(`page ${pageId}: new access token accepted; paused sends resume`);
    return status;
  }

  private async check(pageId: string, token: string, storeToken = false): Promise<'valid' | 'invalid'> {
    const now = Date.now();
    try {
      await this.gateway.me(token);
      await this.persistence.repos.pageStates.markTokenValid(pageId, now, storeToken ? token : undefined);
      return 'valid';
    } catch (error) {
      if (error instanceof GraphApiError && classifyGraphError(error) === 'token') {
        this.logger.error(`ALERT: the access token of page ${pageId} is invalid (${error.message}); sends to this page are paused`);
        if (!storeToken) await this.persistence.repos.pageStates.markTokenInvalid(pageId, error.message, now);
        return 'invalid';
      }
      this.logger.warn(`token check of page ${pageId} inconclusive: ${error instanceof Error ? error.message : String(error)}`);
      return 'valid';
    }
  }
}
