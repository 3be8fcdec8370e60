import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DESK_PAGE_HTML } from './desk-page.html';

/** The embedded agent desk: one static page (HTML, CSS and JS inline), talking to `/api` and `/desk`. */
@ApiExcludeController()
@Controller('agent')
export class DeskPageController {
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  @Header(
    'content-security-policy',
    "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:",
  )
  page(): string {
    return DESK_PAGE_HTML;
  }
}
