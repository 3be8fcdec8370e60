import { Body, Controller, Get, Headers, NotFoundException, Param, Put, UseGuards, UsePipes } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminKeyGuard, ApiErrorCode, ApiException, ApiValidationPipe } from '@app/platform-http';
import { CcmConfig, formatBusinessHours, parseBusinessHours } from '@app/config';
import { ROUTING_POLICIES, RoutingPolicy } from '@app/core';
import { PageDirectory } from '@app/meta';
import { PersistenceService } from '@app/persistence';
import { parseChannelPolicies, RoutingPolicyService } from '@app/routing';
import { AuditEntryView, RoutingSettingsView, UpdateRoutingDto } from './admin.dto';
import { AdminApi } from './admin-api.decorator';

/**
 * Routing at run time, per Page: policy, confidence threshold, low-confidence turns, the policy of
 * channels that have their own (comments) and business hours. Stored in the database (every instance
 * sees it on the next message; it survives restarts) and audited.
 */
@AdminApi('admin: routing')
@Controller('api/admin')
@UseGuards(AdminKeyGuard)
@UsePipes(ApiValidationPipe)
export class RoutingSettingsController {
  constructor(
    private readonly persistence: PersistenceService,
    private readonly routing: RoutingPolicyService,
    private readonly pages: PageDirectory,
    private readonly config: CcmConfig,
  ) {}

  @Get('pages/:pageId/routing')
  @ApiOperation({ summary: "A Page's routing: policy, confidence threshold, low-confidence turns" })
  @ApiOkResponse({ type: RoutingSettingsView })
  async get(@Param('pageId') pageId: string): Promise<RoutingSettingsView> {
    this.assertPage(pageId);
    return withoutStored(await this.view(pageId));
  }

  @Put('pages/:pageId/routing')
  @ApiOperation({ summary: "Changes a Page's routing (stored, audited, seen by every instance on the next message)" })
  @ApiHeader({
    name: 'x-admin-actor',
    required: false,
    description: 'Who to audit the change as (admin key only; an admin login is audited as itself)',
  })
  @ApiOkResponse({ type: RoutingSettingsView })
  async update(
    @Param('pageId') pageId: string,
    @Body() body: UpdateRoutingDto,
    @Headers('x-admin-actor') actor?: string,
  ): Promise<RoutingSettingsView> {
    this.assertPage(pageId);
    const channelPolicies = this.checkedChannelPolicies(body.channelPolicies);
    if (body.businessHours) {
      const problems: string[] = [];
      parseBusinessHours(body.businessHours, problems);
      const reason = problems.join('; ').replace(/BUSINESS_HOURS: /g, '');
      if (problems.length > 0)
        throw new ApiException(ApiErrorCode.ValidationFailed, 400, `businessHours: ${reason}`, [
          { field: 'businessHours', message: reason },
        ]);
    }
    const now = Date.now();
    const before = await this.view(pageId);
    await this.persistence.transaction(async (repos) => {
      await repos.pageSettings.upsert(
        pageId,
        {
          ...(body.policy !== undefined && { routing_policy: body.policy }),
          ...(body.confidenceThreshold !== undefined && { confidence_threshold: body.confidenceThreshold }),
          ...(body.lowConfidenceTurns !== undefined && { low_confidence_turns: body.lowConfidenceTurns }),
          ...(body.businessHours !== undefined && { business_hours: body.businessHours }),
          ...(channelPolicies && { channel_policies: JSON.stringify({ ...before.storedChannelPolicies, ...channelPolicies }) }),
        },
        actor ?? 'admin-api',
        now,
      );
      await repos.pageSettings.audit(
        { actor: actor ?? 'admin-api', action: 'routing.update', target: `page:${pageId}`, before: withoutStored(before), after: body },
        now,
      );
    });
    return withoutStored(await this.view(pageId));
  }

  @Get('audit')
  @ApiOperation({ summary: 'Audit trail of settings changes, newest first' })
  @ApiOkResponse({ type: [AuditEntryView] })
  async audit(): Promise<AuditEntryView[]> {
    const rows = await this.persistence.repos.pageSettings.auditTrail();
    return rows.map((r) => ({
      id: r.id,
      actor: r.actor,
      action: r.action,
      target: r.target,
      before: JSON.parse(r.before_value ?? 'null') as Record<string, unknown> | null,
      after: JSON.parse(r.after_value ?? 'null') as Record<string, unknown> | null,
      at: r.created_at,
    }));
  }

  private async view(pageId: string): Promise<RoutingSettingsView & { storedChannelPolicies: Record<string, RoutingPolicy> }> {
    const stored = await this.persistence.repos.pageSettings.get(pageId);
    const deployment = this.config.queue.businessHours;
    const own = stored?.business_hours ?? null;
    return {
      pageId,
      ...(await this.routing.settingsFor(pageId)),
      channelPolicies: await this.routing.channelPolicies(pageId),
      businessHours: own !== null ? own || null : deployment ? formatBusinessHours(deployment) : null,
      businessHoursSource: own !== null ? 'page' : 'deployment',
      storedChannelPolicies: parseChannelPolicies(stored?.channel_policies),
    };
  }

  /** Only channels that have a policy of their own, and only known policies (or null: back to the configured one). */
  private checkedChannelPolicies(
    policies: Record<string, RoutingPolicy | null> | undefined,
  ): Record<string, RoutingPolicy | undefined> | undefined {
    if (!policies) return undefined;
    const channels = this.routing.channelsWithOwnPolicy();
    const details = Object.entries(policies).flatMap(([channel, policy]) =>
      !channels.includes(channel)
        ? [
            {
              field: `channelPolicies.${channel}`,
              message: `no channel policy for ${channel} (channels with their own: ${channels.join(', ') || 'none'})`,
            },
          ]
        : policy !== null && !ROUTING_POLICIES.includes(policy)
          ? [{ field: `channelPolicies.${channel}`, message: `must be one of ${ROUTING_POLICIES.join(', ')}, or null` }]
          : [],
    );
    if (details.length > 0) throw new ApiException(ApiErrorCode.ValidationFailed, 400, 'invalid channelPolicies', details);
    // null removes the stored choice (JSON.stringify drops undefined members).
    return Object.fromEntries(Object.entries(policies).map(([channel, policy]) => [channel, policy ?? undefined]));
  }

  private assertPage(pageId: string): void {
    if (!this.pages.find(pageId)) throw new NotFoundException(`page ${pageId} is not configured`);
  }
}

/** The answer without the raw stored channel choices (used only to merge a partial update). */
function withoutStored<T extends { storedChannelPolicies: unknown }>(view: T): Omit<T, 'storedChannelPolicies'> {
  const { storedChannelPolicies: _stored, ...rest } = view;
  return rest;
}
