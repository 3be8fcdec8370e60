import { Injectable } from '@nestjs/common';
import { CcmConfig, PageConfig } from '@app/config';
import { PersistenceService } from '@app/persistence';

/** The Pages this deployment serves, and the token of each: a reply always uses its own Page's token. */
@Injectable()
export class PageDirectory {
  constructor(
    private readonly config: CcmConfig,
    private readonly persistence: PersistenceService,
  ) {}

  /** The Page's configuration, or undefined when ccm does not serve that Page. */
  find(pageId: string): PageConfig | undefined {
    return this.config.pages.find((p) => p.pageId === pageId) ?? this.config.pages.find((p) => p.pageId === undefined);
  }

  /** The token to use now: a replacement set at run time (admin API) wins over the configured one. */
  async accessToken(pageId: string): Promise<string | undefined> {
    const page = this.find(pageId);
    if (!page) return undefined;
    const state = await this.persistence.repos.pageStates.get(pageId);
    return state?.access_token ?? page.accessToken;
  }
}
