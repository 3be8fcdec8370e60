import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { PollingLoop } from '@app/core';
import { GraphApiGateway, PageDirectory } from '@app/meta';
import { LeaderElection, PersistenceService } from '@app/persistence';

/** Fields without which ccm misses customer messages, button presses, its own echoes or ad referrals. */
export const REQUIRED_SUBSCRIBED_FIELDS = ['messages', 'messaging_postbacks', 'message_echoes', 'messaging_referrals'] as const;

/** What ccm subscribes to when it (re-)subscribes itself (fact sheet §2.6, §10; `feed` for Page comments). */
export const WANTED_SUBSCRIBED_FIELDS = [
  ...REQUIRED_SUBSCRIBED_FIELDS,
  'message_deliveries',
  'message_reads',
  'message_reactions',
  'message_edits',
  'messaging_optins',
  'messaging_handovers',
  'standby',
  'messaging_policy_enforcement',
  'feed',
] as const;

export interface SubscriptionVerdict {
  ok: boolean;
  /** e.g. "app not subscribed" or "fields messages, messaging_postbacks". */
  problem?: string;
  subscribedFields: string[];
}

/** Pure: what is missing in the Page's `subscribed_apps` answer for our app. */
export function judgeSubscription(apps: { id?: string; subscribed_fields?: string[] }[], appId: string | undefined): SubscriptionVerdict {
  const ours = appId ? apps.find((a) => a.id === appId) : apps[0];
  if (!ours) return { ok: false, problem: 'app not subscribed to the Page', subscribedFields: [] };
  const fields = ours.subscribed_fields ?? [];
  const missing = REQUIRED_SUBSCRIBED_FIELDS.filter((f) => !fields.includes(f));
  return missing.length === 0
    ? { ok: true, subscribedFields: fields }
    : { ok: false, problem: `fields ${missing.join(', ')} missing`, subscribedFields: fields };
}

/**
 * Subscription health. Meta silently stops webhooks when a Page's subscription lapses (or disables a
 * failing one), so ccm checks: at startup and on a schedule, `GET /{page-id}/subscribed_apps` per Page
 * — our app missing, or a required field missing, marks the Page `subscription_missing` (`/health`
 * degraded, the `page_subscription_ok` gauge 0) with an ALERT line; with FACEBOOK_AUTO_SUBSCRIBE=true
 * it subscribes again (`POST /{page-id}/subscribed_apps`) and checks once more. It also warns when a
 * Page that had customer traffic has sent no webhook for WEBHOOK_SILENCE_MINUTES. A singleton loop.
 */
@Injectable()
export class SubscriptionHealthService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SubscriptionHealthService.name);
  private readonly loop?: PollingLoop;
  /** Pages currently warned about for silence (one warning per silence, not one per pass). */
  private readonly silent = new Set<string>();

  constructor(
    private readonly config: CcmConfig,
    private readonly gateway: GraphApiGateway,
    private readonly persistence: PersistenceService,
    private readonly pages: PageDirectory,
    private readonly election: LeaderElection,
  ) {
    const interval = config.messenger.subscriptionCheckIntervalMs;
    if (interval > 0 && !config.localMode) {
      this.loop = new PollingLoop('subscription-health', async () => (this.election.isLeader && (await this.checkAll()), false), interval);
    }
  }

  onApplicationBootstrap(): void {
    this.loop?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop?.stop();
  }

  async checkAll(): Promise<void> {
    for (const page of this.config.pages) {
      if (!page.pageId) continue;
      try {
        await this.check(page.pageId);
      } catch (error) {
        this.logger.warn(
          `subscription check of page ${page.pageId} inconclusive: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    await this.checkWebhookSilence(Date.now());
  }

  /** Checks one Page (and re-subscribes it when configured); returns the verdict stored. */
  async check(pageId: string): Promise<SubscriptionVerdict> {
    const token = await this.pages.accessToken(pageId);
    if (!token) throw new Error(`page ${pageId} is not configured`);
    let verdict = judgeSubscription(await this.gateway.getSubscribedApps(token, pageId), this.config.messenger.appId);
    if (!verdict.ok && this.config.messenger.autoSubscribe) {
      const fields = [...new Set([...verdict.subscribedFields, ...WANTED_SUBSCRIBED_FIELDS])];
      this.logger.warn(`page ${pageId}: ${verdict.problem}; subscribing again (FACEBOOK_AUTO_SUBSCRIBE=true) with ${fields.join(',')}`);
      await this.gateway.subscribeApp(token, pageId, fields);
      verdict = judgeSubscription(await this.gateway.getSubscribedApps(token, pageId), this.config.messenger.appId);
    }
    const now = Date.now();
    await this.persistence.repos.pageStates.setSubscription(pageId, verdict.ok ? 'ok' : 'missing', verdict.problem ?? null, now);
    if (!verdict.ok) {
      this.logger.error(
        `ALERT: page ${pageId} webhook subscription incomplete (${verdict.problem}): Meta does not deliver those events. Subscribe the app (POST /${pageId}/subscribed_apps) or set FACEBOOK_AUTO_SUBSCRIBE=true`,
      );
    }
    return verdict;
  }

  /**
   * "No webhook for N minutes while customers were active": a Page whose last webhook event is older
   * than N minutes, although events kept coming in the N minutes before it. One warning per silence.
   */
  async checkWebhookSilence(now: number): Promise<string[]> {
    const silenceMs = this.config.messenger.webhookSilenceMs;
    if (silenceMs <= 0) return [];
    const db = this.persistence.repos.db;
    const latest = await db
      .selectFrom('inbound_events')
      .select(['page_id', (eb) => eb.fn.max('received_at').as('last')])
      .groupBy('page_id')
      .execute();
    const warned: string[] = [];
    for (const row of latest) {
      const last = Number(row.last);
      if (!this.config.pages.some((p) => p.pageId === row.page_id)) continue;
      if (now - last < silenceMs) {
        this.silent.delete(row.page_id);
        continue;
      }
      if (this.silent.has(row.page_id)) continue;
      const before = await db
        .selectFrom('inbound_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('page_id', '=', row.page_id)
        .where('received_at', '>=', last - silenceMs)
        .executeTakeFirstOrThrow();
      if (Number(before.n) < 2) continue; // one stray event is not "customers were active"
      this.silent.add(row.page_id);
      warned.push(row.page_id);
      this.logger.warn(
        `ALERT: no webhook from Meta for page ${row.page_id} for ${Math.round((now - last) / 60_000)} minutes while customers were active (${Number(before.n)} events in the ${Math.round(silenceMs / 60_000)} minutes before): check the app's webhook subscription and Meta's status`,
      );
    }
    return warned;
  }
}
