import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/main/publisher/backoff';
import { derivePairStatus } from '../../src/main/services/pairs';

describe('backoff', () => {
  const options = { baseMs: 1_000, capMs: 60_000 };
  it('grows exponentially, jittered between the base and the ceiling, and stops at the cap', () => {
    expect(backoffDelay(1, options, () => 1)).toBe(1_000);
    expect(backoffDelay(3, options, () => 1)).toBe(4_000);
    expect(backoffDelay(3, options, () => 0)).toBe(1_000);
    expect(backoffDelay(3, options, () => 0.5)).toBe(2_500);
    expect(backoffDelay(20, options, () => 1)).toBe(60_000);
  });
});

describe('pair status from its deliveries', () => {
  it.each([
    [['sent', 'sent'], 'published'],
    [['sent', 'retrying'], 'partial'],
    [['sent', 'failed'], 'partial'],
    [['failed', 'failed'], 'failed'],
    [['failed', 'cancelled'], 'failed'],
    [['sending', 'sending'], 'publishing'],
    [['retrying', 'pending'], 'publishing'],
    [['checking', 'pending'], 'publishing'],
    [['held', 'held'], 'held'],
    [['held', 'failed'], 'held'],
    [['sent', 'held'], 'partial'],
  ] as const)('%j -> %s', (statuses, expected) => {
    expect(derivePairStatus([...statuses])).toBe(expected);
  });
});
