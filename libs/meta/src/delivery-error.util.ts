import { DeliveryError } from '@app/core';
import { GraphApiError } from './graph-api.error';
import { classifyGraphError } from './retry-policy';

/** What the outbox should do about a failed Graph call: retry, give up, or pause the Page (190). */
export function toDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (!(error instanceof GraphApiError)) return new DeliveryError('transient', error instanceof Error ? error.message : String(error));
  const kind = classifyGraphError(error);
  if (kind === 'token') return new DeliveryError('paused', error.message, error.toJSON(), 'token');
  return new DeliveryError(kind, error.message, error.toJSON());
}
