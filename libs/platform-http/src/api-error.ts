/**
 * The error codes the platform itself answers with under `/api` (authentication, validation, unknown
 * routes, unexpected failures). Feature libs add their own codes with their own `ApiException`
 * subclass (the desk's `DeskException`); clients switch on `error.code`, never on the message.
 */
export enum ApiErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  AdminApiDisabled = 'ADMIN_API_DISABLED',
  NotFound = 'NOT_FOUND',
  InvalidJson = 'INVALID_JSON',
  ValidationFailed = 'VALIDATION_FAILED',
  /** The resource's current state does not allow the request (any 409 without a more precise code). */
  InvalidState = 'INVALID_STATE',
  /** The body is larger than the route reads (Fastify's body limit); the detail names the limit. */
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  Internal = 'INTERNAL_ERROR',
}

export const API_ERROR_STATUS: Record<ApiErrorCode, number> = {
  [ApiErrorCode.Unauthenticated]: 401,
  [ApiErrorCode.Forbidden]: 403,
  [ApiErrorCode.AdminApiDisabled]: 403,
  [ApiErrorCode.NotFound]: 404,
  [ApiErrorCode.InvalidJson]: 400,
  [ApiErrorCode.ValidationFailed]: 400,
  [ApiErrorCode.InvalidState]: 409,
  [ApiErrorCode.PayloadTooLarge]: 413,
  [ApiErrorCode.Internal]: 500,
};

export interface ApiErrorDetail {
  /** The offending field, e.g. `message.cards[10]` or `status`. */
  field: string;
  message: string;
}

/** The one JSON error shape of `/api`; a 500 also carries the `errorId` its log line names. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: readonly ApiErrorDetail[]; errorId?: string };
}

/** An error `/api` answers with its code and status (`ApiExceptionFilter` writes the body). */
export class ApiException extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: readonly ApiErrorDetail[],
    /** Sent as `Retry-After` (seconds), e.g. with 429. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiException';
  }

  /** One of the platform's own errors, with its status. */
  static of(code: ApiErrorCode, message: string, details?: readonly ApiErrorDetail[]): ApiException {
    return new ApiException(code, API_ERROR_STATUS[code], message, details);
  }
}
