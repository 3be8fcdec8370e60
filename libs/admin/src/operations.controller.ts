import {
  BadGatewayException,
  Body,
  Controller,
  Delete,
  UnprocessableEntityException,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Put,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { InboundProcessor, OutboxDispatcher } from '@app/conversations';
import { PageDirectory, TokenHealthService } from '@app/meta';
import { PersistenceService } from '@app/persistence';
import { CcmConfig, redactedConfig } from '@app/config';
import { AdminKeyGuard, ApiValidationPipe } from '@app/platform-http';
import {
  DeadBridgeEventView,
  DeadInboundEventView,
  FailedOutboundMessageView,
  PageStateView,
  PageTokenResultView,
  ReplayedView,
  RetriedView,
  SetPageTokenDto,
} from './admin.dto';
import { AdminApi } from './admin-api.decorator';

/** Operators' view of what went wrong, and the levers to fix it without a restart. */
@AdminApi('admin: operations')
@Controller('api/admin')
@UseGuards(AdminKeyGuard)
@UsePipes(ApiValidationPipe)
export class OperationsController {
  constructor(
    private readonly persistence: PersistenceService,
    private readonly processor: InboundProcessor,
    private readonly outbox: OutboxDispatcher,
    private readonly pages: PageDirectory,
    private readonly tokens: TokenHealthService,
    private readonly config: CcmConfig,
  ) {}

  /** What this instance runs with: every setting after defaults, each credential shown as `[redacted]`. */
  @Get('config')
  @ApiOperation({ summary: 'Effective configuration of this instance, every secret redacted' })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: true } })
  effectiveConfig() {
    return redactedConfig(this.config);
  }

  /** Inbound events that failed every attempt, with their last error. */
  @Get('inbound/dead')
  @ApiOperation({ summary: 'Inbound events that failed every attempt, with their last error' })
  @ApiOkResponse({ type: [DeadInboundEventView] })
  async dead(): Promise<DeadInboundEventView[]> {
    const rows = await this.persistence.queues.journal.listDead();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      pageId: r.page_id,
      customerId: r.customer_id,
      attempts: r.attempts,
      lastError: r.last_error,
      receivedAt: r.received_at,
    }));
  }

  @Post('inbound/:id/replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Processes a dead inbound event again' })
  @ApiAcceptedResponse({ type: ReplayedView })
  async replay(@Param('id', ParseIntPipe) id: number): Promise<ReplayedView> {
    if (!(await this.persistence.queues.journal.replay(id, Date.now()))) throw new NotFoundException(`no dead inbound event ${id}`);
    this.processor.kick();
    return { replayed: id };
  }

  /** Outbound messages that failed for good (permanent refusal or every retry used), oldest first. */
  @Get('outbound/failed')
  @ApiOperation({ summary: 'Outbound messages that failed for good (permanent refusal or every retry used)' })
  @ApiOkResponse({ type: [FailedOutboundMessageView] })
  async failedOutbound(): Promise<FailedOutboundMessageView[]> {
    const rows = await this.persistence.queues.outbox.listDead();
    return rows.map((r) => ({
      id: r.id,
      conversationId: r.conversation_id,
      author: r.author,
      text: r.text,
      attempts: r.attempts,
      error: r.error,
      createdAt: r.created_at,
    }));
  }

  /** Sends a failed message again, in its place in the conversation's order (the window still applies). */
  @Post('outbound/:id/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Sends a failed outbound message again, in its place in the conversation' })
  @ApiAcceptedResponse({ type: RetriedView })
  async retryOutbound(@Param('id', ParseIntPipe) id: number): Promise<RetriedView> {
    if (!(await this.persistence.queues.outbox.replay(id, Date.now()))) throw new NotFoundException(`no failed outbound message ${id}`);
    this.outbox.kick();
    return { retried: id };
  }

  /** Chat-server bridge events that were given up (permanent refusal or every attempt used). */
  @Get('bridge/dead')
  @ApiOperation({ summary: 'Chat-server bridge events that were given up' })
  @ApiOkResponse({ type: [DeadBridgeEventView] })
  async deadBridgeEvents(): Promise<DeadBridgeEventView[]> {
    const rows = await this.persistence.queues.bridge.listDead();
    return rows.map((r) => ({
      id: r.id,
      conversationId: r.conversation_id,
      eventType: r.event_type,
      attempts: r.attempts,
      lastError: r.last_error,
      createdAt: r.created_at,
    }));
  }

  @Post('bridge/:id/replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Delivers a dead chat-server bridge event again' })
  @ApiAcceptedResponse({ type: ReplayedView })
  async replayBridgeEvent(@Param('id', ParseIntPipe) id: number): Promise<ReplayedView> {
    if (!(await this.persistence.queues.bridge.replay(id, Date.now()))) throw new NotFoundException(`no dead bridge event ${id}`);
    return { replayed: id };
  }

  /** Drops a dead bridge event for good (the chat server will never get it). */
  @Delete('bridge/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Discards a dead chat-server bridge event for good' })
  @ApiNoContentResponse()
  async discardBridgeEvent(@Param('id', ParseIntPipe) id: number): Promise<void> {
    if (!(await this.persistence.queues.bridge.discardDead(id))) throw new NotFoundException(`no dead bridge event ${id}`);
  }

  /**
   * A new Page token: checked against Meta (`GET /me`), stored encrypted for every instance, and paused
   * sends resume. 200 only when Meta accepted it; 422 when Meta refused it, 502 when Meta could not
   * say (nothing is stored in either case), 409 without CCM_ENCRYPTION_KEY.
   */
  @Put('pages/:pageId/token')
  @ApiOperation({ summary: 'Replaces a Page token: checked with Meta, stored encrypted; 422 refused, 502 unverified' })
  @ApiOkResponse({ type: PageTokenResultView })
  async setToken(@Param('pageId') pageId: string, @Body() body: SetPageTokenDto): Promise<PageTokenResultView> {
    if (!this.pages.find(pageId)) throw new NotFoundException(`page ${pageId} is not configured`);
    const outcome = await this.tokens.replaceToken(pageId, body.accessToken);
    if (outcome.status === 'invalid')
      throw new UnprocessableEntityException({
        message: `tokenStatus invalid: Meta refused the token (${outcome.error}); nothing was stored`,
      });
    if (outcome.status === 'unverified')
      throw new BadGatewayException({
        message: `tokenStatus unverified: Meta could not check the token (${outcome.error}); nothing was stored, try again`,
      });
    await this.outbox.resumePage(pageId);
    return { pageId, tokenStatus: outcome.status };
  }

  @Get('pages')
  @ApiOperation({ summary: 'Token and block state of every Page' })
  @ApiOkResponse({ type: [PageStateView] })
  async pageStates(): Promise<PageStateView[]> {
    return (await this.persistence.repos.pageStates.list()).map((p) => ({
      pageId: p.page_id,
      tokenStatus: p.token_status,
      tokenError: p.token_error,
      blocked: p.blocked === 1,
      blockReason: p.block_reason,
      updatedAt: p.updated_at,
    }));
  }
}
