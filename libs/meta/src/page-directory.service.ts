import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { CcmConfig, PageConfig } from '@app/config';
import { openSecret } from '@app/core';
import { GraphApiGateway } from './graph-api.gateway';
import { PersistenceService } from '@app/persistence';

/** The Pages this deployment serves, and the token of each: a reply always uses its own Page's token. */
@Injectable()
export class PageDirectory implements OnModuleInit {
  private readonly logger = new Logger(PageDirectory.name);

  constructor(
    private readonly config: CcmConfig,
    private readonly persistence: PersistenceService,
    private readonly gateway: GraphApiGateway,
  ) {}

  /** Before anything listens: a single Page configured without FACEBOOK_PAGE_ID learns its id. */
  async onModuleInit(): Promise<void> {
    await this.learnMissingPageIds();
  }

  /**
   * A single-Page setup without FACEBOOK_PAGE_ID asks Meta which Page its token belongs to
   * (`GET /me`) and from then on serves only that Page (events of other Pages are ignored, the
   * scheduled token check covers it). Until that succeeded (Meta unreachable at startup), any Page id
   * is accepted as before; the token check tries again.
   */
  async learnMissingPageIds(): Promise<void> {
    for (const page of this.config.pages) {
      if (page.pageId !== undefined) continue;
      try {
        const me = await this.gateway.me(page.accessToken);
        (page as { pageId?: string }).pageId = me.id;
        this.logger.log(
          `FACEBOOK_PAGE_ID is not set: the Page access token belongs to page ${me.id}${me.name ? ` (${me.name})` : ''}; serving only that page`,
        );
      } catch (error) {
        this.logger.error(
          `ALERT: FACEBOOK_PAGE_ID is not set and the Page id could not be learned from GET /me (${error instanceof Error ? error.message : String(error)}); events for any page are accepted until it is. Set FACEBOOK_PAGE_ID.`,
        );
      }
    }
  }

  /** The Page's configuration, or undefined when ccm does not serve that Page. */
  find(pageId: string): PageConfig | undefined {
    return this.config.pages.find((p) => p.pageId === pageId) ?? this.config.pages.find((p) => p.pageId === undefined);
  }

  /** The Page an Instagram professional account is linked to (its DMs are answered with that Page's token). */
  findByInstagramAccount(instagramAccountId: string): PageConfig | undefined {
    return this.config.pages.find((p) => p.instagramAccountId === instagramAccountId && p.pageId !== undefined);
  }

  /** The token to use now: a replacement set at run time (admin API) wins over the configured one. */
  async accessToken(pageId: string): Promise<string | undefined> {
    const page = this.find(pageId);
    if (!page) return undefined;
    const state = await this.persistence.repos.pageStates.getCached(pageId);
    const token = state?.access_token ? openSecret(this.config.operations.encryptionKey, state.access_token) : page.accessToken;
    this.gateway.notePageToken(token, pageId);
    return token;
  }
}
