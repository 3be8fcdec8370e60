import { RichMessage } from '@app/templates';
import { INSTAGRAM_LIMITS, prepareForInstagram, splitByBytes } from './instagram-message';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('prepareForInstagram', () => {
  it('should keep a text within 1000 bytes as it is, without metadata', () => {
    expect(prepareForInstagram({ kind: 'text', text: 'Hi', metadata: 'marker-1' })).toEqual([{ kind: 'text', text: 'Hi' }]);
  });

  it("should split a text over 1000 UTF-8 bytes (but under Messenger's 1999 characters) at word boundaries, quick replies last", () => {
    const text = Array.from({ length: 200 }, (_, i) => `café${i}`).join(' '); // ~1,300 bytes, ~1,100 characters
    const parts = prepareForInstagram({ kind: 'text', text, quickReplies: [{ type: 'text', title: 'OK', payload: 'OK' }] });
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.kind === 'text' && bytes(p.text) <= INSTAGRAM_LIMITS.textMaxBytes)).toBe(true);
    expect(parts.map((p) => (p as { text: string }).text).join(' ')).toBe(text);
    expect(parts.slice(0, -1).every((p) => p.quickReplies === undefined)).toBe(true);
    expect(parts[parts.length - 1].quickReplies).toEqual([{ type: 'text', title: 'OK', payload: 'OK' }]);
  });

  it('should degrade a button template with a call button to text (Instagram has no call buttons)', () => {
    const model: RichMessage = {
      kind: 'buttons',
      text: 'How can we help?',
      buttons: [
        { type: 'postback', title: 'Track', payload: 'TRACK' },
        { type: 'call', title: 'Call us', phoneNumber: '+16505551234' },
      ],
    };
    const parts = prepareForInstagram(model);
    expect(parts.every((p) => p.kind !== 'buttons')).toBe(true);
    expect(JSON.stringify(parts)).toContain('+16505551234');
  });

  it('should keep a postback/URL button template and a carousel as templates', () => {
    const buttons: RichMessage = { kind: 'buttons', text: 'Pick', buttons: [{ type: 'url', title: 'Site', url: 'https://shop.example' }] };
    expect(prepareForInstagram(buttons)).toEqual([buttons]);
  });

  it('should send media with buttons as the media alone, then the choices; a file as its link', () => {
    const parts = prepareForInstagram({
      kind: 'media',
      mediaType: 'image',
      url: 'https://cdn.example/a.jpg',
      buttons: [{ type: 'postback', title: 'Buy', payload: 'BUY' }],
    });
    expect(parts[0]).toMatchObject({ kind: 'media', mediaType: 'image', url: 'https://cdn.example/a.jpg' });
    expect(parts[0]).not.toHaveProperty('buttons');
    const file = prepareForInstagram({ kind: 'media', mediaType: 'file', url: 'https://cdn.example/invoice.pdf' });
    expect(file.every((p) => p.kind === 'text')).toBe(true);
    expect(JSON.stringify(file)).toContain('https://cdn.example/invoice.pdf');
  });
});

describe(splitByBytes.name, () => {
  it('should fit multi-byte text (3 bytes per character) into the byte limit', () => {
    const text = '中文字'.repeat(400); // 1,200 characters, 3,600 bytes, no spaces
    const parts = splitByBytes(text, 1000);
    expect(parts.every((p) => bytes(p) <= 1000)).toBe(true);
    expect(parts.join('')).toBe(text);
  });
});
