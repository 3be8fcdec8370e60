import { InstagramWebhook } from './instagram.adapter';

describe('InstagramWebhook', () => {
  const pages = { findByInstagramAccount: (id: string) => (id === '178' ? { pageId: '123' } : undefined) };
  const webhook = new InstagramWebhook(pages as never);

  it('should read only `object: "instagram"` entries with messaging or standby items', () => {
    expect(webhook.objects).toEqual(['instagram']);
    expect(webhook.claims('instagram', { id: '178', messaging: [] })).toBe(true);
    expect(webhook.claims('instagram', { id: '178', standby: [] })).toBe(true);
    expect(webhook.claims('instagram', { id: '178', changes: [] })).toBe(false);
  });

  it('should route entries to the linked Page and report unlinked accounts', async () => {
    const item = { sender: { id: '5310000000000009' }, recipient: { id: '178' }, timestamp: 1, message: { mid: 'm', text: 'hi' } };
    const mapping = await webhook.map('instagram', [
      { id: '178', messaging: [item] },
      { id: '999', messaging: [{ ...item, recipient: { id: '999' } }] },
    ]);
    expect(mapping.events.map((e) => e.pageId)).toEqual(['123']);
    expect(mapping.ignoredPages).toEqual(['999']);
  });
});
