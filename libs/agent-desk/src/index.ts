export * from './agent-desk.module';
export * from './http/openapi';
export * from './http/desk.exception';
export * from './conversations/desk-conversations.service';
export * from './auth/password-hasher';
export * from './sender-actions/customer-channel-actions';
export * from './auth/desk-auth.guard';
export * from './http/desk-validation.pipe';
