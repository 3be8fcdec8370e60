export * from './webhook.module';
export * from './webhook-dispatch';
