export { WebhookModule } from './webhook.module';
export { dispatchEntries, isServedObject } from './webhook-dispatch';
export type { WebhookDispatch } from './webhook-dispatch';
export { WebhookReceiver } from './webhook-receiver';
export type { WebhookDelivery } from './webhook-receiver';
export { WEBHOOK_ANSWER_HEADERS, WebhookFastPath } from './webhook-fast-path';
