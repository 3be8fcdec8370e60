export * from './webhook.module';
export * from './webhook-dispatch';
export * from './webhook-signature';
