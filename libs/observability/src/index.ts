export * from './ccm-metrics.service';
export * from './observability.module';
export * from './measured-bot';
