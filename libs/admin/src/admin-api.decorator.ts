import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';

/**
 * OpenAPI for an admin controller: its tag (`admin: …`) and the two ways in that `AdminKeyGuard`
 * accepts, the `x-admin-key` header (security scheme `admin-key`) or an admin's login token.
 */
export function AdminApi(tag: `admin: ${string}`): ClassDecorator {
  return applyDecorators(
    ApiTags(tag),
    ApiSecurity('admin-key'),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No or a wrong x-admin-key / token' }),
    ApiForbiddenResponse({ description: 'A login that is not an admin' }),
  );
}
