/** How the outbox should react to a failed Graph API call. */
export type GraphErrorClass = 'transient' | 'permanent' | 'token';

/**
 * A failed Graph API call, with Meta's error fields. Its message never contains the access token or
 * the app secret: it is built from Meta's error text or a redacted transport error.
 */
export class GraphApiError extends Error {
  constructor(
    message: string,
    readonly details: {
      httpStatus?: number;
      code?: number;
      subcode?: number;
      fbtraceId?: string;
      /** No HTTP answer: timeout, connection refused, reset. */
      network?: boolean;
    },
  ) {
    super(message);
    this.name = 'GraphApiError';
  }

  /** What is stored on a failed message and shown to whoever sent it. */
  toJSON(): Record<string, unknown> {
    return { message: this.message, ...this.details };
  }
}
