import { MessengerSimulatorServer } from './simulator';

/**
 * Behind docker compose the simulator has two names: browsers reach it as localhost:3001, ccm as
 * simulator:3001. Pictures the desk shows use the first; files ccm downloads itself use the second;
 * the page loads both from its own origin.
 */
describe('Messenger simulator origins (compose profile "simulator")', () => {
  let sim: MessengerSimulatorServer;
  afterEach(() => sim?.stop());

  it('should give ccm the internal origin for customers’ files and browsers the public one for pictures', async () => {
    sim = await MessengerSimulatorServer.start({
      appSecret: 'app-secret-123',
      pages: [{ pageId: '100000000000001', accessToken: 'page-token', name: 'Shop' }],
      publicUrl: 'http://localhost:3001/',
      internalUrl: 'http://simulator:3001',
    });
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${sim.graph.origin}/sim/api${path}`, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      return (await response.json()) as any;
    };
    const ada = await api('POST', '/customers', { name: 'Ada' });
    expect(ada.pictureUrl).toMatch(/^http:\/\/localhost:3001\/_double\/avatar\/\d+\.svg$/);
    const upload = await api('POST', `/customers/${ada.psid}/uploads`, { dataUrl: 'data:text/plain;base64,aGk=', name: 'hi.txt' });
    expect(upload).toEqual({ url: expect.stringMatching(/^http:\/\/simulator:3001\/cdn\/\w+_hi\.txt\?oe=[0-9A-F]+$/), type: 'file' });
    expect((await api('GET', '/state')).origins).toEqual(['http://localhost:3001', 'http://simulator:3001']);
    // What the page does with the link: the same file from the origin it was served from.
    const path = upload.url.slice('http://simulator:3001'.length);
    expect(await (await fetch(`${sim.graph.origin}${path}`)).text()).toBe('hi');
  });
});
