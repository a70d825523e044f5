import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/main/publisher/groupCommit';

class StorageFault extends Error {}

/** A write that records each batch it was given, and fails as told. */
function recorder(fail: (items: string[]) => Error | null = () => null) {
  const batches: string[][] = [];
  const group = new GroupCommit<string, string>(
    async (items) => {
      batches.push([...items]);
      const error = fail(items);
      if (error) throw error;
      return items.map((item) => `${item}: written`);
    },
    (error) => !(error instanceof StorageFault),
  );
  return { group, batches };
}

describe('group commit (the publisher writes pairs going out together in one transaction)', () => {
  it('writes what is submitted in the same turn in one batch, and gives each its own result', async () => {
    const { group, batches } = recorder();
    const results = await Promise.all(['a', 'b', 'c'].map((item) => group.submit(item)));
    expect(results).toEqual(['a: written', 'b: written', 'c: written']);
    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('gathers what comes in while a write is under way into the next one', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batches: string[][] = [];
    const group = new GroupCommit<string, string>(
      async (items) => {
        batches.push([...items]);
        if (items.includes('first')) await gate;
        return items;
      },
      () => true,
    );
    const first = group.submit('first');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const later = ['x', 'y'].map((item) => group.submit(item));
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([['first'], ['x', 'y']]);
  });

  it('keeps one item’s own failure to that item: the batch is written again one by one', async () => {
    const { group, batches } = recorder((items) => (items.includes('bad') ? new Error('a row that surprised it') : null));
    const outcomes = await Promise.allSettled(['a', 'bad', 'c'].map((item) => group.submit(item)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('a row that surprised it'));
    expect(batches).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });

  it('fails every item of the batch at once on a storage fault (each pair keeps what it owes)', async () => {
    const { group, batches } = recorder(() => new StorageFault('disk full'));
    const outcomes = await Promise.allSettled(['a', 'b'].map((item) => group.submit(item)));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(batches).toEqual([['a', 'b']]);
  });
});
