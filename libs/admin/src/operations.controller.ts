import {
  BadGatewayException,
  Body,
  Controller,
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
import { InboundProcessor, OutboxDispatcher } from '@app/conversations';
import { PageDirectory, TokenHealthService } from '@app/meta';
import { PersistenceService } from '@app/persistence';
import { AdminKeyGuard, DeskValidationPipe } from '@app/agent-desk';
import { SetPageTokenDto } from './admin.dto';

/** Operators' view of what went wrong, and the levers to fix it without a restart. */
@Controller('api/admin')
@UseGuards(AdminKeyGuard)
@UsePipes(DeskValidationPipe)
export class OperationsController {
  constructor(
    private readonly persistence: PersistenceService,
    private readonly processor: InboundProcessor,
    private readonly outbox: OutboxDispatcher,
    private readonly pages: PageDirectory,
    private readonly tokens: TokenHealthService,
  ) {}

  /** Inbound events that failed every attempt, with their last error. */
  @Get('inbound/dead')
  async dead() {
    const rows = await this.persistence.repos.journal.listDead();
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
  async replay(@Param('id', ParseIntPipe) id: number) {
    if (!(await this.persistence.repos.journal.replay(id, Date.now()))) throw new NotFoundException(`no dead inbound event ${id}`);
    this.processor.kick();
    return { replayed: id };
  }

  /**
   * A new Page token: checked against Meta (`GET /me`), stored encrypted for every instance, and paused
   * sends resume. 200 only when Meta accepted it; 422 when Meta refused it, 502 when Meta could not
   * say (nothing is stored in either case), 409 without CCM_ENCRYPTION_KEY.
   */
  @Put('pages/:pageId/token')
  async setToken(@Param('pageId') pageId: string, @Body() body: SetPageTokenDto) {
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
    this.outbox.kick();
    return { pageId, tokenStatus: outcome.status };
  }

  @Get('pages')
  async pageStates() {
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
