export { API_ERROR_STATUS, ApiErrorCode, ApiException } from './api-error';
export type { ApiErrorBody, ApiErrorDetail } from './api-error';
export { API_PREFIX, ApiExceptionFilter } from './api-exception.filter';
export { ApiValidationPipe } from './api-validation.pipe';
export { AdminKeyGuard, BEARER_TOKEN_VERIFIERS } from './admin-key.guard';
export type { ApiPrincipal, BearerTokenVerifier } from './admin-key.guard';
export { constantTimeEquals, headerOf } from './http-headers';
export { PlatformHttpModule } from './platform-http.module';
