import { randomUUID } from 'node:crypto';
import { LoggerService } from '@nestjs/common';

/** Nest's default answer to a 500 (outside `/api`), naming the log line of the error. */
export interface InternalErrorAnswer {
  statusCode: 500;
  message: 'Internal server error';
  errorId: string;
}

/**
 * An unexpected error (a 500): logged with its stack under a new error id, which the answer names
 * instead of the error itself — a caller can quote it, an operator finds the log line. Every 500 of
 * ccm goes through here (the global exception filter, the webhook fast path), so all read alike.
 */
export function logUnexpectedError(logger: LoggerService, request: { method?: string; url?: string }, exception: unknown): string {
  const errorId = randomUUID();
  const what = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
  logger.error(`error ${errorId}: unhandled error on ${request.method} ${(request.url ?? '').split('?')[0]}: ${what}`);
  return errorId;
}

export function internalErrorAnswer(errorId: string): InternalErrorAnswer {
  return { statusCode: 500, message: 'Internal server error', errorId };
}
