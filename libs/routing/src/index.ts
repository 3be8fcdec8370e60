export * from './routing-policy';
export * from './routing-policy.service';
export * from './routing.module';
