import { conversationTestBed, ConversationTestBed } from '../testing/conversation-test-bed';

describe('LoggedPageEventApplier', () => {
  let bed: ConversationTestBed;
  beforeEach(async () => (bed = await conversationTestBed()));
  afterEach(() => bed.close());

  it('should mark a Page event no channel applies done, changing nothing else', async () => {
    expect(await bed.deliver(bed.event({ kind: 'page_policy', customerId: undefined, payload: 'block' }))).toBe('done');
    expect(await bed.repos.pageStates.get(bed.config.pages[0].pageId as string)).toBeUndefined();
  });
});
