import { BadGatewayException, Body, Controller, Get, Headers, NotFoundException, Param, Put, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminKeyGuard, ApiErrorCode, ApiException } from '@app/platform-http';
import { GraphApiError, PageDirectory } from '@app/meta';
import { InvalidMessengerProfileError, MessengerProfileService } from '@app/channel-messenger';
import { AppliedMessengerProfileView } from './admin.dto';
import { AdminApi } from './admin-api.decorator';

/**
 * A Page's Messenger Profile (Get Started, greeting, ice breakers, persistent menu) in Meta's own
 * shape. PUT validates against Meta's limits (400 naming each field and limit), applies it with
 * `POST /me/messenger_profile`, reads it back and audits the change; GET shows what was applied.
 */
@AdminApi('admin: messenger profile')
@Controller('api/admin')
@UseGuards(AdminKeyGuard)
export class MessengerProfileController {
  constructor(
    private readonly profiles: MessengerProfileService,
    private readonly pages: PageDirectory,
  ) {}

  @Get('pages/:pageId/messenger-profile')
  @ApiOperation({ summary: "The Messenger Profile last applied to a Page, with Meta's read-back" })
  @ApiOkResponse({ type: AppliedMessengerProfileView })
  async get(@Param('pageId') pageId: string): Promise<AppliedMessengerProfileView> {
    this.assertPage(pageId);
    const applied = await this.profiles.get(pageId);
    if (!applied) throw new NotFoundException(`no Messenger Profile has been applied to page ${pageId}`);
    return applied;
  }

  @Put('pages/:pageId/messenger-profile')
  @ApiOperation({ summary: 'Validates and applies a Messenger Profile (Get Started, greeting, ice breakers, menu)' })
  @ApiBody({
    description: "Meta's `messenger_profile` shape; 400 names each field over Meta's limits",
    schema: {
      type: 'object',
      properties: {
        get_started: { type: 'object', properties: { payload: { type: 'string' } } },
        greeting: { type: 'array', items: { type: 'object', properties: { locale: { type: 'string' }, text: { type: 'string' } } } },
        ice_breakers: { type: 'array', items: { type: 'object', additionalProperties: true } },
        persistent_menu: { type: 'array', items: { type: 'object', additionalProperties: true } },
      },
      additionalProperties: true,
    },
  })
  @ApiHeader({ name: 'x-admin-actor', required: false, description: 'Who to audit the change as (admin key only)' })
  @ApiOkResponse({ type: AppliedMessengerProfileView })
  async put(@Param('pageId') pageId: string, @Body() body: unknown, @Headers('x-admin-actor') actor?: string) {
    this.assertPage(pageId);
    try {
      return await this.profiles.apply(pageId, body, actor ?? 'admin-api');
    } catch (error) {
      if (error instanceof InvalidMessengerProfileError) {
        // One detail per problem: the field (Meta's path) and the rule with its limit.
        const details = error.problems.map((p) => ({ field: p.slice(0, p.indexOf(': ')), message: p.slice(p.indexOf(': ') + 2) }));
        throw ApiException.of(ApiErrorCode.ValidationFailed, error.message, details);
      }
      if (error instanceof GraphApiError) throw new BadGatewayException(`Meta refused the Messenger Profile: ${error.message}`);
      throw error;
    }
  }

  private assertPage(pageId: string): void {
    if (!this.pages.find(pageId)) throw new NotFoundException(`page ${pageId} is not configured`);
  }
}
