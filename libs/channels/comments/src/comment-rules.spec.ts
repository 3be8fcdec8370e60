import { checkCommentAction, CommentState } from './comment-rules';

const now = 1_800_000_000_000;
const DAY = 24 * 60 * 60 * 1000;
const customer = (over: Partial<CommentState> = {}): CommentState => ({
  from_page: 0,
  created_time: now - DAY,
  removed: 0,
  hidden: 0,
  private_reply_at: null,
  ...over,
});

describe('checkCommentAction', () => {
  it('should allow one private reply within 7 days of the comment, up to the edge', () => {
    expect(checkCommentAction('private_reply', customer(), now)).toEqual({ allowed: true });
    expect(checkCommentAction('private_reply', customer({ created_time: now - 7 * DAY }), now)).toEqual({ allowed: true });
  });

  it('should refuse a second private reply to the same comment, saying why', () => {
    expect(checkCommentAction('private_reply', customer({ private_reply_at: now - 1000 }), now)).toEqual({
      allowed: false,
      reason: expect.stringContaining('a private reply was already sent to this comment'),
    });
  });

  it('should refuse a private reply more than 7 days after the comment', () => {
    expect(checkCommentAction('private_reply', customer({ created_time: now - 7 * DAY - 1 }), now)).toEqual({
      allowed: false,
      reason: expect.stringContaining('only within 7 days'),
    });
  });

  it("should refuse a private reply, a hide or a like on the Page's own comment", () => {
    for (const action of ['private_reply', 'hide', 'like'] as const) {
      expect(checkCommentAction(action, customer({ from_page: 1 }), now)).toMatchObject({
        allowed: false,
        reason: expect.stringContaining('own comment'),
      });
    }
    expect(checkCommentAction('delete', customer({ from_page: 1 }), now)).toEqual({ allowed: true });
    expect(checkCommentAction('public_reply', customer({ from_page: 1 }), now)).toEqual({ allowed: true });
  });

  it('should refuse anything on a removed comment and a hide that changes nothing', () => {
    expect(checkCommentAction('public_reply', customer({ removed: 1 }), now)).toEqual({
      allowed: false,
      reason: 'the comment was removed',
    });
    expect(checkCommentAction('hide', customer({ hidden: 1 }), now)).toMatchObject({ allowed: false });
    expect(checkCommentAction('unhide', customer(), now)).toMatchObject({ allowed: false });
    expect(checkCommentAction('unhide', customer({ hidden: 1 }), now)).toEqual({ allowed: true });
  });
});
