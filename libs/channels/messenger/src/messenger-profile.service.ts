import { createHash } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { CcmConfig, InvalidConfigError } from '@app/config';
import { GraphApiGateway, PageDirectory } from '@app/meta';
import { PersistenceService } from '@app/persistence';
import { MESSENGER_PROFILE_FIELDS, MessengerProfile, stampProfilePayloads, validateMessengerProfile } from './messenger-profile';
import { MessengerProfileRepository, MessengerProfileRow } from './messenger-profile.repository';

/** A profile Meta's limits (or ccm's rules) refuse; `problems` name each field and limit. */
export class InvalidMessengerProfileError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid Messenger Profile: ${problems.join('; ')}`);
    this.name = 'InvalidMessengerProfileError';
  }
}

export interface AppliedMessengerProfile {
  pageId: string;
  profile: MessengerProfile;
  /** What Meta answered to `GET /me/messenger_profile` right after the change. */
  readBack: Record<string, unknown>;
  appliedBy: string;
  appliedAt: number;
}

/**
 * Messenger Profile per Page (Get Started, greeting, ice breakers, persistent menu): validated against
 * Meta's limits, applied with `POST /me/messenger_profile` using the Page's token, read back, stored
 * and audited. Configured profiles (MESSENGER_PROFILE, FACEBOOK_PAGES[].messengerProfile) are
 * validated before anything listens and applied at startup only when they differ from what was last
 * applied (Meta allows 10 profile calls per 10 minutes per Page; several instances share the record).
 * Postback payloads are stamped so their postbacks reach the bot as choices from the profile.
 */
@Injectable()
export class MessengerProfileService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(MessengerProfileService.name);

  constructor(
    private readonly config: CcmConfig,
    private readonly gateway: GraphApiGateway,
    private readonly persistence: PersistenceService,
    private readonly pages: PageDirectory,
  ) {}

  onModuleInit(): void {
    const problems = this.config.pages.flatMap((page) =>
      page.messengerProfile
        ? validateMessengerProfile(page.messengerProfile.value).map((p) => `${page.messengerProfile!.source}.${p}`)
        : [],
    );
    if (problems.length > 0) throw new InvalidConfigError(problems);
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const page of this.config.pages) {
      if (!page.pageId || !page.messengerProfile) continue;
      const profile = page.messengerProfile.value as MessengerProfile;
      const current = await new MessengerProfileRepository(this.persistence.repos).get(page.pageId);
      if (current?.profile_hash === hashOf(profile)) continue;
      // In the background: Meta being slow or down must not delay startup; the next start tries again.
      void this.apply(page.pageId, profile, 'config').catch((error: unknown) =>
        this.logger.error(`ALERT: the configured Messenger Profile of page ${page.pageId} was not applied: ${String(error)}`),
      );
    }
  }

  async get(pageId: string): Promise<AppliedMessengerProfile | undefined> {
    const row = await new MessengerProfileRepository(this.persistence.repos).get(pageId);
    return row ? toApplied(row) : undefined;
  }

  /** Validates, applies and reads back; stores the result and an audit entry. Throws `InvalidMessengerProfileError` first when invalid. */
  async apply(pageId: string, input: unknown, actor: string): Promise<AppliedMessengerProfile> {
    const problems = validateMessengerProfile(input);
    if (problems.length > 0) throw new InvalidMessengerProfileError(problems);
    const profile = input as MessengerProfile;
    const token = await this.pages.accessToken(pageId);
    if (!token) throw new Error(`page ${pageId} is not configured`);
    const fields = MESSENGER_PROFILE_FIELDS.filter((f) => profile[f] !== undefined);
    await this.gateway.setMessengerProfile(token, stampProfilePayloads(profile) as Record<string, unknown>);
    const readBack = await this.gateway.getMessengerProfile(token, fields);
    const now = Date.now();
    const row: MessengerProfileRow = {
      page_id: pageId,
      profile: JSON.stringify(profile),
      profile_hash: hashOf(profile),
      read_back: JSON.stringify(readBack),
      applied_by: actor,
      applied_at: now,
    };
    await this.persistence.transaction(async (repos) => {
      const repository = new MessengerProfileRepository(repos);
      const before = await repository.get(pageId);
      await repository.put(row);
      await repos.pageSettings.audit(
        {
          actor,
          action: 'messenger_profile.apply',
          target: `page:${pageId}`,
          before: before ? (JSON.parse(before.profile) as unknown) : null,
          after: profile,
        },
        now,
      );
    });
    this.logger.log(`page ${pageId}: Messenger Profile applied (${fields.join(', ')}) by ${actor}`);
    return toApplied(row);
  }
}

function hashOf(profile: unknown): string {
  return createHash('sha256').update(JSON.stringify(profile)).digest('hex');
}

function toApplied(row: MessengerProfileRow): AppliedMessengerProfile {
  return {
    pageId: row.page_id,
    profile: JSON.parse(row.profile) as MessengerProfile,
    readBack: JSON.parse(row.read_back ?? '{}') as Record<string, unknown>,
    appliedBy: row.applied_by,
    appliedAt: row.applied_at,
  };
}
