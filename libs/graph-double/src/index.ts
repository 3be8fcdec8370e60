export * from './graph-double.types';
export * from './graph-api-double';
export * from './messenger-simulator';
export * from './send-api-validator';
export * from './comment-double';
export * from './instagram-double';
export * from './avatar';
export * from './messenger-profile-double';
