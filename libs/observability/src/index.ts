export * from './ccm-metrics.service';
export * from './observability.module';
export * from './measured-bot';
export * from './lifecycle-state';
export * from './with-timeout';
