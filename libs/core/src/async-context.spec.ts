import { MessageChannel } from 'node:worker_threads';
import { AsyncContextSlot, outsideAsyncContext } from './async-context';

const a = new AsyncContextSlot<string>();
const b = new AsyncContextSlot<{ n: number }>();

describe('AsyncContextSlot', () => {
  it('should carry each slot’s value along async calls, nested runs of one slot leaving the others alone', async () => {
    expect(a.get()).toBeUndefined();
    const seen: unknown[] = [];
    await a.run('outer', async () => {
      await Promise.resolve();
      seen.push([a.get(), b.get()]);
      await b.run({ n: 1 }, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.push([a.get(), b.get()]);
        await a.run('inner', async () => {
          await Promise.resolve();
          seen.push([a.get(), b.get()]);
        });
        seen.push([a.get(), b.get()]);
      });
      seen.push([a.get(), b.get()]);
    });
    expect(seen).toEqual([
      ['outer', undefined],
      ['outer', { n: 1 }],
      ['inner', { n: 1 }],
      ['outer', { n: 1 }],
      ['outer', undefined],
    ]);
    expect([a.get(), b.get()]).toEqual([undefined, undefined]);
  });

  it('should keep concurrent runs apart', async () => {
    const read = (value: string) =>
      a.run(value, async () => {
        await new Promise((resolve) => setTimeout(resolve, value === 'x' ? 5 : 1));
        return a.get();
      });
    expect(await Promise.all([read('x'), read('y')])).toEqual(['x', 'y']);
  });

  it('should give what is created outside the context none of the caller’s values, for all its later callbacks', async () => {
    const heard = await a.run('unit', () => {
      const inside = new MessageChannel();
      const outside = outsideAsyncContext(() => new MessageChannel());
      expect(outsideAsyncContext(() => a.get())).toBeUndefined();
      expect(a.get()).toBe('unit');
      const values = Promise.all(
        [inside, outside].map(
          (channel) =>
            new Promise<string | undefined>((resolve) =>
              channel.port1.once('message', () => {
                resolve(a.get());
                channel.port1.close();
              }),
            ),
        ),
      );
      inside.port2.postMessage('x');
      outside.port2.postMessage('x');
      return values;
    });
    expect(heard).toEqual(['unit', undefined]);
  });
});
