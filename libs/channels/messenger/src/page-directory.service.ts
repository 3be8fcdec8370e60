import { Injectable } from '@nestjs/common';
import { CcmConfig, PageConfig } from '@app/config';

/** The Pages this deployment serves, and the token of each: a reply always uses its own Page's token. */
@Injectable()
export class PageDirectory {
  constructor(private readonly config: CcmConfig) {}

  /** The Page's configuration, or undefined when ccm does not serve that Page. */
  find(pageId: string): PageConfig | undefined {
    return this.config.pages.find((p) => p.pageId === pageId) ?? this.config.pages.find((p) => p.pageId === undefined);
  }
}
