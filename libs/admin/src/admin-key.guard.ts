import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { CcmConfig } from '@app/config';

/** The admin API needs `x-admin-key: ADMIN_API_KEY`; with no key configured it stays closed. */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(private readonly config: CcmConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.adminApiKey;
    if (!expected) throw new ForbiddenException('the admin API is disabled: set ADMIN_API_KEY');
    const given = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers['x-admin-key'];
    if (!given) throw new UnauthorizedException('x-admin-key header required');
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new UnauthorizedException('invalid admin key');
    return true;
  }
}
