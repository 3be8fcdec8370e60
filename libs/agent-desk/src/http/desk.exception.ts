import { API_ERROR_STATUS, ApiErrorBody, ApiErrorCode, ApiErrorDetail, ApiException } from '@app/platform-http';

/**
 * Stable error codes of the agent desk API: clients switch on `error.code`, never on the message.
 * The platform's own codes (`ApiErrorCode`: authentication, validation, …) are part of it, not
 * repeated here: the desk only adds its own.
 */
export const DeskErrorCode = {
  ...ApiErrorCode,
  InvalidCredentials: 'INVALID_CREDENTIALS',
  LoginRateLimited: 'LOGIN_RATE_LIMITED',
  InvalidMessage: 'INVALID_MESSAGE',
  AlreadyAssigned: 'ALREADY_ASSIGNED',
  UsernameTaken: 'USERNAME_TAKEN',
  Busy: 'CONVERSATION_BUSY',
  /** A channel rule forbids the action (e.g. a second private reply to one comment); the message says which. */
  ActionRefused: 'ACTION_REFUSED',
  /** The conversation's channel has no such action (e.g. `hide` on Messenger). */
  ActionNotSupported: 'ACTION_NOT_SUPPORTED',
  /** The platform refused or did not answer the action. */
  ActionFailed: 'ACTION_FAILED',
} as const;
export type DeskErrorCode = (typeof DeskErrorCode)[keyof typeof DeskErrorCode];

export const DESK_ERROR_STATUS: Record<DeskErrorCode, number> = {
  ...API_ERROR_STATUS,
  [DeskErrorCode.InvalidCredentials]: 401,
  [DeskErrorCode.LoginRateLimited]: 429,
  [DeskErrorCode.InvalidMessage]: 400,
  [DeskErrorCode.AlreadyAssigned]: 409,
  [DeskErrorCode.UsernameTaken]: 409,
  [DeskErrorCode.Busy]: 409,
  [DeskErrorCode.ActionRefused]: 409,
  [DeskErrorCode.ActionNotSupported]: 400,
  [DeskErrorCode.ActionFailed]: 502,
};

export type DeskErrorDetail = ApiErrorDetail;

/** A domain error of the desk; the platform's `ApiExceptionFilter` turns it into `{ error: { code, message, details? } }`. */
export class DeskException extends ApiException {
  constructor(
    override readonly code: DeskErrorCode,
    message: string,
    details?: readonly DeskErrorDetail[],
    /** Sent as `Retry-After` (seconds), e.g. with 429. */
    retryAfterSeconds?: number,
  ) {
    super(code, DESK_ERROR_STATUS[code], message, details, retryAfterSeconds);
    this.name = 'DeskException';
  }
}

/** The one JSON error shape of `/api`. */
export type DeskErrorBody = ApiErrorBody;
