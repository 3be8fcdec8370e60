export * from './graph-api.error';
export * from './graph-api.gateway';
export * from './graph-api.module';
export * from './retry-policy';
export * from './delivery-error.util';
export * from './page-pacer';
