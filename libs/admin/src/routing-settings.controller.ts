import { Body, Controller, Get, Headers, NotFoundException, Param, Put, UseGuards, UsePipes } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminKeyGuard, ApiValidationPipe } from '@app/platform-http';
import { PageDirectory } from '@app/meta';
import { PersistenceService } from '@app/persistence';
import { RoutingPolicyService } from '@app/routing';
import { AuditEntryView, RoutingSettingsView, UpdateRoutingDto } from './admin.dto';
import { AdminApi } from './admin-api.decorator';

/**
 * Routing at run time: policy, confidence threshold and low-confidence turns per Page. Stored in the
 * database (every instance sees it on the next message; it survives restarts) and audited.
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
  ) {}

  @Get('pages/:pageId/routing')
  @ApiOperation({ summary: "A Page's routing: policy, confidence threshold, low-confidence turns" })
  @ApiOkResponse({ type: RoutingSettingsView })
  async get(@Param('pageId') pageId: string): Promise<RoutingSettingsView> {
    this.assertPage(pageId);
    return { pageId, ...(await this.routing.settingsFor(pageId)) };
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
    const now = Date.now();
    const before = await this.routing.settingsFor(pageId);
    await this.persistence.transaction(async (repos) => {
      await repos.pageSettings.upsert(
        pageId,
        {
          ...(body.policy !== undefined && { routing_policy: body.policy }),
          ...(body.confidenceThreshold !== undefined && { confidence_threshold: body.confidenceThreshold }),
          ...(body.lowConfidenceTurns !== undefined && { low_confidence_turns: body.lowConfidenceTurns }),
        },
        actor ?? 'admin-api',
        now,
      );
      await repos.pageSettings.audit(
        { actor: actor ?? 'admin-api', action: 'routing.update', target: `page:${pageId}`, before, after: body },
        now,
      );
    });
    return { pageId, ...(await this.routing.settingsFor(pageId)) };
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

  private assertPage(pageId: string): void {
    if (!this.pages.find(pageId)) throw new NotFoundException(`page ${pageId} is not configured`);
  }
}
