import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { API_ERROR_STATUS, ApiErrorBody, ApiErrorCode, ApiException } from './api-error';
import { internalErrorAnswer, logUnexpectedError } from './unexpected-error';

export const API_PREFIX = '/api';

/** The code of an error that carries only an HTTP status (framework errors, unknown routes). */
const CODE_BY_STATUS: Record<number, string> = {
  400: ApiErrorCode.ValidationFailed,
  401: ApiErrorCode.Unauthenticated,
  403: ApiErrorCode.Forbidden,
  404: ApiErrorCode.NotFound,
  409: ApiErrorCode.InvalidState,
  429: 'LOGIN_RATE_LIMITED',
};

/**
 * The global exception filter. Under `/api` every error gets one JSON shape with a code; everything
 * else (the webhook, /health) keeps Nest's default answers, so Meta still sees plain 400/403/404.
 * An unexpected error (a 500, anywhere) is logged with its stack under a new error id, and the answer
 * names that id (never the error itself): a caller can quote it, an operator finds the log line.
 */
@Catch()
export class ApiExceptionFilter extends BaseExceptionFilter {
  private readonly logger = new Logger(ApiExceptionFilter.name);

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    // The client went away mid-request (its body read failed): nobody is left to answer, and the
    // request's own log line already says so as one warning (see observeClientErrors), not an error.
    if (request.raw.socket?.destroyed) return;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const api = request.url.startsWith(`${API_PREFIX}/`) || request.url === API_PREFIX || request.url.startsWith(`${API_PREFIX}?`);
    if (!api) {
      if (exception instanceof HttpException || clientErrorStatus(exception) !== undefined) {
        super.catch(exception, host);
        return;
      }
      void reply.status(HttpStatus.INTERNAL_SERVER_ERROR).send(internalErrorAnswer(logUnexpectedError(this.logger, request, exception)));
      return;
    }
    const [status, body] = this.toBody(request, exception);
    if (exception instanceof ApiException && exception.retryAfterSeconds !== undefined)
      void reply.header('Retry-After', String(exception.retryAfterSeconds));
    void reply.status(status).header('content-type', 'application/json').send(body);
  }

  private toBody(request: FastifyRequest, exception: unknown): [number, ApiErrorBody] {
    if (exception instanceof ApiException) {
      const { code, message, details } = exception;
      return [exception.status, { error: { code, message, ...(details && { details }) } }];
    }
    if (isBodyTooLarge(exception)) return bodyTooLarge(request);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? String((response as { message: unknown }).message)
          : exception.message;
      return [status, { error: { code: CODE_BY_STATUS[status] ?? `HTTP_${status}`, message } }];
    }
    const statusCode = clientErrorStatus(exception);
    if (statusCode !== undefined) {
      // Fastify's own errors (e.g. body too large) carry a statusCode.
      return [statusCode, { error: { code: CODE_BY_STATUS[statusCode] ?? `HTTP_${statusCode}`, message: (exception as Error).message } }];
    }
    const errorId = logUnexpectedError(this.logger, request, exception);
    return [HttpStatus.INTERNAL_SERVER_ERROR, { error: { code: ApiErrorCode.Internal, message: 'internal error', errorId } }];
  }
}

/**
 * A body over the route's `bodyLimit`, refused before any handler runs: Fastify's error, or the
 * HttpException (413) Nest's adapter makes of it. Nothing else under `/api` answers 413.
 */
function isBodyTooLarge(exception: unknown): boolean {
  if (exception instanceof HttpException) return exception.getStatus() === HttpStatus.PAYLOAD_TOO_LARGE;
  return (exception as { code?: unknown } | null)?.code === 'FST_ERR_CTP_BODY_TOO_LARGE';
}

/**
 * A body over the route's limit (e.g. an agent's upload over 25 MB), in the API's shape: the field is
 * the body, and the message names its size (when the client declared it) and the route's limit.
 */
function bodyTooLarge(request: FastifyRequest): [number, ApiErrorBody] {
  const limit = request.routeOptions.bodyLimit;
  const declared = Number(request.headers['content-length']);
  const size = Number.isFinite(declared) && declared > 0 ? `the body is ${declared} bytes` : 'the body is too large';
  const megabytes = Math.round((limit / 1024 / 1024) * 10) / 10;
  const message = `${size}; this route accepts at most ${limit} bytes (${megabytes} MB)`;
  return [
    API_ERROR_STATUS[ApiErrorCode.PayloadTooLarge],
    { error: { code: ApiErrorCode.PayloadTooLarge, message, details: [{ field: 'body', message }] } },
  ];
}

/** The 4xx status a framework error (Fastify's) carries, if any. */
function clientErrorStatus(exception: unknown): number | undefined {
  const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : undefined;
}
