import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiSecurity, ApiTags, ApiOperation } from '@nestjs/swagger';
import { CurrentPrincipal, DeskAuthGuard } from '../auth/desk-auth.guard';
import { Principal } from '../auth/principal';
import { ChannelActionDto, ChannelActionResultView, ChannelDescriptorView } from './channel-actions.dto';
import { ChannelActionsService } from './channel-actions.service';
import { ApiValidationPipe } from '@app/platform-http';

// eslint-disable-next-line no-useless-assignment -- used by the decorators below (the rule does not see decorator calls)
const Id = () =>
  Param('id', new ParseUUIDPipe({ exceptionFactory: () => Object.assign(new Error('conversation not found'), { statusCode: 404 }) }));

@ApiTags('channels')
@ApiBearerAuth()
@ApiSecurity('chat-server-key')
@Controller('api')
@UseGuards(DeskAuthGuard)
@UsePipes(ApiValidationPipe)
export class ChannelActionsController {
  constructor(private readonly actions: ChannelActionsService) {}

  /** The channels this deployment runs, with what each can do (the desk shows buttons from it). */
  @Get('channels')
  @ApiOperation({ summary: 'The channels this deployment runs and what each can do' })
  @ApiOkResponse({ type: [ChannelDescriptorView] })
  channels(): ChannelDescriptorView[] {
    return this.actions.descriptors().map((d) => ({ ...d, capabilities: { ...d.capabilities } }));
  }

  /** A channel action on the conversation (e.g. reply privately to a comment); refused with a reason when a channel rule forbids it. */
  @Post('conversations/:id/channel-actions')
  @ApiOperation({ summary: 'Runs a channel action on a conversation (e.g. a private reply to a comment)' })
  @HttpCode(200)
  @ApiOkResponse({ type: ChannelActionResultView })
  perform(@CurrentPrincipal() principal: Principal, @Id() id: string, @Body() body: ChannelActionDto): Promise<ChannelActionResultView> {
    return this.actions.perform(principal, id, { action: body.action, itemId: body.itemId, text: body.text });
  }
}
