import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { DESK_ERROR_STATUS, DeskErrorBody, DeskErrorCode, DeskException } from './desk.exception';

export const API_PREFIX = '/api';

const CODE_BY_STATUS: Record<number, DeskErrorCode> = {
  400: DeskErrorCode.ValidationFailed,
  401: DeskErrorCode.Unauthenticated,
  403: DeskErrorCode.Forbidden,
  404: DeskErrorCode.NotFound,
  409: DeskErrorCode.InvalidState,
  429: DeskErrorCode.LoginRateLimited,
};

/**
 * Gives every error under `/api` one JSON shape with a code. Registered globally so unknown routes
 * and framework errors under `/api` get it too; everything else (the webhook, /health) keeps Nest's
 * default handling untouched, so Meta still sees plain 400/403/404 answers.
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
    if (!request.url.startsWith(`${API_PREFIX}/`) && request.url !== API_PREFIX) {
      super.catch(exception, host);
      return;
    }
    const [status, body] = this.toBody(exception);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof DeskException && exception.retryAfterSeconds !== undefined)
      void reply.header('Retry-After', String(exception.retryAfterSeconds));
    void reply.status(status).header('content-type', 'application/json').send(body);
  }

  private toBody(exception: unknown): [number, DeskErrorBody] {
    if (exception instanceof DeskException) {
      const { code, message, details } = exception;
      return [DESK_ERROR_STATUS[code], { error: { code, message, ...(details && { details }) } }];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? String((response as { message: unknown }).message)
          : exception.message;
      return [status, { error: { code: CODE_BY_STATUS[status] ?? `HTTP_${status}`, message } }];
    }
    const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      // Fastify's own errors (e.g. body too large) carry a statusCode.
      return [statusCode, { error: { code: CODE_BY_STATUS[statusCode] ?? `HTTP_${statusCode}`, message: (exception as Error).message } }];
    }
    this.logger.error(
      `unhandled error under /api: ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`,
    );
    return [HttpStatus.INTERNAL_SERVER_ERROR, { error: { code: DeskErrorCode.Internal, message: 'internal error' } }];
  }
}
