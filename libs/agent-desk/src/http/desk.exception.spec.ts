import { API_ERROR_STATUS, ApiErrorCode } from '@app/platform-http';
import { DESK_ERROR_STATUS, DeskErrorCode, DeskException } from './desk.exception';

/** Clients switch on these strings: every code's wire value and HTTP status, written out once. */
const WIRE: Record<keyof typeof DeskErrorCode, [code: string, status: number]> = {
  Unauthenticated: ['UNAUTHENTICATED', 401],
  InvalidCredentials: ['INVALID_CREDENTIALS', 401],
  LoginRateLimited: ['LOGIN_RATE_LIMITED', 429],
  Forbidden: ['FORBIDDEN', 403],
  AdminApiDisabled: ['ADMIN_API_DISABLED', 403],
  NotFound: ['NOT_FOUND', 404],
  InvalidJson: ['INVALID_JSON', 400],
  ValidationFailed: ['VALIDATION_FAILED', 400],
  PayloadTooLarge: ['PAYLOAD_TOO_LARGE', 413],
  InvalidMessage: ['INVALID_MESSAGE', 400],
  InvalidState: ['INVALID_STATE', 409],
  AlreadyAssigned: ['ALREADY_ASSIGNED', 409],
  UsernameTaken: ['USERNAME_TAKEN', 409],
  Busy: ['CONVERSATION_BUSY', 409],
  ActionRefused: ['ACTION_REFUSED', 409],
  ActionNotSupported: ['ACTION_NOT_SUPPORTED', 400],
  ActionFailed: ['ACTION_FAILED', 502],
  Internal: ['INTERNAL_ERROR', 500],
};

describe('DeskErrorCode', () => {
  it('should keep every code’s wire value and status', () => {
    const actual = Object.fromEntries(Object.entries(DeskErrorCode).map(([name, code]) => [name, [code, DESK_ERROR_STATUS[code]]]));
    expect(actual).toEqual(WIRE);
  });

  it('should include every platform code with the platform’s status', () => {
    for (const code of Object.values(ApiErrorCode)) {
      expect(Object.values(DeskErrorCode)).toContain(code);
      expect(DESK_ERROR_STATUS[code]).toBe(API_ERROR_STATUS[code]);
    }
  });

  it('should give a DeskException its code’s status', () => {
    const error = new DeskException(DeskErrorCode.Busy, 'the conversation is being updated; try again');
    expect([error.code, error.status]).toEqual(['CONVERSATION_BUSY', 409]);
  });
});
