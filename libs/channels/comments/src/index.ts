export { PageCommentsModule } from './page-comments.module';
export { commentCustomerId, COMMENTS_CHANNEL, COMMENTS_DESCRIPTOR, PRIVATE_REPLY_WINDOW_MS } from './page-comments.types';
export type { FeedChangeValue, PageCommentsTable } from './page-comments.types';
export { mapFeedEntries } from './comment-event.mapper';
export type { CommentFact, MappedFeed, ThreadLookup } from './comment-event.mapper';
export { checkCommentAction } from './comment-rules';
export type { CommentState, RuleVerdict } from './comment-rules';
export { commentsMigrations } from './migrations';
