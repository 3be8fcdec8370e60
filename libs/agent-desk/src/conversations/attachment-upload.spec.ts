import { uploadMediaType, uploadProblems } from './attachment-upload';

const MB = 1024 * 1024;

describe('agent uploads (Meta limits)', () => {
  it('sends images, video and audio as themselves and anything else as a file', () => {
    expect(uploadMediaType('image/png')).toBe('image');
    expect(uploadMediaType('video/mp4; codecs=avc1')).toBe('video');
    expect(uploadMediaType('audio/mpeg')).toBe('audio');
    expect(uploadMediaType('application/pdf')).toBe('file');
  });

  it('takes an image up to 8 MB and another file up to 25 MB', () => {
    expect(uploadProblems('image/png', 8 * MB, 'a.png')).toEqual([]);
    expect(uploadProblems('application/pdf', 25 * MB, 'a.pdf')).toEqual([]);
    expect(uploadProblems('image/jpeg', 8 * MB + 1, 'a.jpg')).toEqual([
      { field: 'body', message: expect.stringContaining('at most 8388608 bytes') },
    ]);
    expect(uploadProblems('application/pdf', 25 * MB + 1, 'a.pdf')).toEqual([
      { field: 'body', message: expect.stringContaining('at most 26214400 bytes') },
    ]);
    expect(uploadProblems('application/pdf', 0, 'a.pdf')).toEqual([{ field: 'body', message: 'the file is empty' }]);
  });

  it('refuses active content and names every bad field', () => {
    for (const type of ['text/html', 'image/svg+xml', 'application/javascript', 'not a type'])
      expect(uploadProblems(type, 10, 'x').map((p) => p.field)).toEqual(['content-type']);
    expect(uploadProblems(undefined, 10, undefined).map((p) => p.field)).toEqual(['filename', 'content-type']);
    expect(uploadProblems('image/png', 10, '../etc/passwd').map((p) => p.field)).toEqual(['filename']);
    expect(uploadProblems('image/png', 10, 'a\nb.png').map((p) => p.field)).toEqual(['filename']);
  });
});
