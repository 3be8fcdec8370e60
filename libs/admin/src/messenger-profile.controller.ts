import { BadGatewayException, Body, Controller, Get, Headers, NotFoundException, Param, Put, UseGuards } from '@nestjs/common';
import { AdminKeyGuard, DeskErrorCode, DeskException } from '@app/agent-desk';
import { GraphApiError, PageDirectory } from '@app/meta';
import { InvalidMessengerProfileError, MessengerProfileService } from '@app/channel-messenger';

/**
 * A Page's Messenger Profile (Get Started, greeting, ice breakers, persistent menu) in Meta's own
 * shape. PUT validates against Meta's limits (400 naming each field and limit), applies it with
 * `POST /me/messenger_profile`, reads it back and audits the change; GET shows what was applied.
 */
@Controller('api/admin')
@UseGuards(AdminKeyGuard)
export class MessengerProfileController {
  constructor(
    private readonly profiles: MessengerProfileService,
    private readonly pages: PageDirectory,
  ) {}

  @Get('pages/:pageId/messenger-profile')
  async get(@Param('pageId') pageId: string) {
    this.assertPage(pageId);
    const applied = await this.profiles.get(pageId);
    if (!applied) throw new NotFoundException(`no Messenger Profile has been applied to page ${pageId}`);
    return applied;
  }

  @Put('pages/:pageId/messenger-profile')
  async put(@Param('pageId') pageId: string, @Body() body: unknown, @Headers('x-admin-actor') actor?: string) {
    this.assertPage(pageId);
    try {
      return await this.profiles.apply(pageId, body, actor ?? 'admin-api');
    } catch (error) {
      if (error instanceof InvalidMessengerProfileError) {
        // One detail per problem: the field (Meta's path) and the rule with its limit.
        const details = error.problems.map((p) => ({ field: p.slice(0, p.indexOf(': ')), message: p.slice(p.indexOf(': ') + 2) }));
        throw new DeskException(DeskErrorCode.ValidationFailed, error.message, details);
      }
      if (error instanceof GraphApiError) throw new BadGatewayException(`Meta refused the Messenger Profile: ${error.message}`);
      throw error;
    }
  }

  private assertPage(pageId: string): void {
    if (!this.pages.find(pageId)) throw new NotFoundException(`page ${pageId} is not configured`);
  }
}
