import { AsyncContextSlot } from './async-context';

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
});
