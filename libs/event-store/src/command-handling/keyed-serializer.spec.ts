import { KeyedSerializer } from './keyed-serializer';
import { LruCache } from './lru-cache';

describe('KeyedSerializer', () => {
  it('runs tasks of one key one after another, in arrival order, even when one fails', async () => {
    const serializer = new KeyedSerializer();
    const log: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      () =>
        new Promise<string>((resolve, reject) => {
          log.push(`start ${name}`);
          setTimeout(() => {
            log.push(`end ${name}`);
            if (fail) reject(new Error(name));
            else resolve(name);
          }, ms);
        });
    const a = serializer.run('k', task('a', 20));
    const b = serializer.run('k', task('b', 1, true));
    const c = serializer.run('k', task('c', 1));
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('b');
    await expect(c).resolves.toBe('c');
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('runs tasks of different keys concurrently', async () => {
    const serializer = new KeyedSerializer();
    const log: string[] = [];
    const slow = serializer.run('x', async () => {
      log.push('x start');
      await new Promise((r) => setTimeout(r, 20));
      log.push('x end');
    });
    const fast = serializer.run('y', async () => {
      log.push('y');
    });
    await Promise.all([slow, fast]);
    expect(log).toEqual(['x start', 'y', 'x end']);
    await serializer.drain();
  });
});

describe('LruCache', () => {
  it('evicts the least recently used entry beyond its capacity', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });
});
