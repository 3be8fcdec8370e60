export * from './webhook.module';
export * from './webhook-dispatch';
export * from './webhook-receiver';
export * from './webhook-fast-path';
