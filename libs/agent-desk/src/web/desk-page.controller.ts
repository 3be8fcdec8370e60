import { existsSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';

/** Where `npm run build:desk` writes the desk web app (apps/desk-web → dist/desk-web). */
export function deskWebDir(): string {
  if (process.env.DESK_WEB_DIR) return resolve(process.env.DESK_WEB_DIR);
  // From libs/agent-desk/src/web (ts) or dist/apps/ccm/libs/agent-desk/src/web (built): the repository root holds dist/desk-web.
  for (let dir = __dirname; dir !== resolve(dir, '..'); dir = resolve(dir, '..')) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'apps'))) return join(dir, 'dist', 'desk-web');
  }
  return resolve('dist', 'desk-web');
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
  '.json': 'application/json',
};

/**
 * The embedded agent desk (`apps/desk-web`, built by Vite): `/agent` is its page, `/agent/assets/*`
 * its hashed, immutable files. No inline script or style, so the page runs under a strict CSP.
 */
@ApiExcludeController()
@Controller('agent')
export class DeskPageController {
  private readonly dir = deskWebDir();

  @Get()
  @Header('cache-control', 'no-cache')
  @Header(
    'content-security-policy',
    "default-src 'self'; img-src 'self' https: http: data: blob:; media-src 'self' https: http: blob:; style-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  )
  page(@Res() reply: FastifyReply): void {
    const index = join(this.dir, 'index.html');
    if (!existsSync(index)) {
      void reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(`The agent desk is not built (${index} is missing): run npm run build:desk`);
      return;
    }
    void reply.type('text/html; charset=utf-8').send(readFileSync(index));
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() reply: FastifyReply): void {
    const path = join(this.dir, 'assets', file);
    if (!/^[\w.-]+$/.test(file) || !existsSync(path)) {
      void reply.code(404).type('text/plain; charset=utf-8').send('not found');
      return;
    }
    void reply
      .header('cache-control', 'public, max-age=31536000, immutable') // file names carry a content hash
      .type(TYPES[extname(file)] ?? 'application/octet-stream')
      .send(readFileSync(path));
  }
}
