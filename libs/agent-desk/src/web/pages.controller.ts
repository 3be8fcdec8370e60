import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags, ApiOperation } from '@nestjs/swagger';
import { CcmConfig } from '@app/config';
import { DeskAuthGuard } from '../auth/desk-auth.guard';

export class PageView {
  @ApiProperty() pageId!: string;
  @ApiProperty() name!: string;
}

/** The Pages this deployment serves (names for the conversation header and the settings screen). */
@ApiTags('pages')
@ApiBearerAuth()
@Controller('api/pages')
@UseGuards(DeskAuthGuard)
export class PagesController {
  constructor(private readonly config: CcmConfig) {}

  @Get()
  @ApiOperation({ summary: 'The Pages this deployment serves' })
  @ApiOkResponse({ type: [PageView] })
  list(): PageView[] {
    return this.config.pages.filter((p) => p.pageId !== undefined).map((p) => ({ pageId: p.pageId!, name: p.displayName }));
  }
}
