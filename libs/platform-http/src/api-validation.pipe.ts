import { Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { ArgumentMetadata } from '@nestjs/common/interfaces';
import { UnparseableJsonBody } from '@app/core';
import { ApiErrorCode, ApiErrorDetail, ApiException } from './api-error';

function flatten(errors: readonly ValidationError[], parent = ''): ApiErrorDetail[] {
  return errors.flatMap((e) => {
    const field = parent === '' ? e.property : /^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * The `/api` validation pipe (desk and admin): class-validator DTOs with unknown properties refused,
 * and errors in the API's shape (`VALIDATION_FAILED` with one detail per field). A body that was not
 * JSON at all arrives as `UnparseableJsonBody` (see create-app) and becomes `INVALID_JSON`.
 */
@Injectable()
export class ApiValidationPipe implements PipeTransform {
  private readonly inner = new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return ApiException.of(ApiErrorCode.ValidationFailed, details.map((d) => d.message).join('; ') || 'invalid request', details);
    },
  });

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (value instanceof UnparseableJsonBody)
      throw ApiException.of(ApiErrorCode.InvalidJson, `request body is not valid JSON: ${value.reason}`);
    if (metadata.type === 'body' && (value === undefined || value === null) && metadata.metatype && metadata.metatype !== Object) {
      throw ApiException.of(ApiErrorCode.ValidationFailed, 'a JSON request body is required (content-type: application/json)');
    }
    return this.inner.transform(value, metadata);
  }
}
