// What the review screen shows an approver as changed since the version last decided on: word by
// word, each change read as "these words became those", and always enough to rebuild both texts.
import { describe, expect, it } from 'vitest';
import { changed, tokens, wordDiff, type DiffPart } from '../../src/shared/diff';

const before = (parts: DiffPart[]) => parts.filter((p) => p.kind !== 'added').map((p) => p.text).join('');
const after = (parts: DiffPart[]) => parts.filter((p) => p.kind !== 'removed').map((p) => p.text).join('');

describe('wordDiff', () => {
  it('finds nothing changed in the same text', () => {
    const parts = wordDiff('Consumer Price Index, October.', 'Consumer Price Index, October.');
    expect(parts).toEqual([{ kind: 'same', text: 'Consumer Price Index, October.' }]);
    expect(changed(parts)).toBe(false);
  });

  it('marks one word replaced in the middle as removed then added', () => {
    expect(wordDiff('Consumer Price Index, October.', 'Consumer Price Index, November.')).toEqual([
      { kind: 'same', text: 'Consumer Price Index, ' },
      { kind: 'removed', text: 'October' },
      { kind: 'added', text: 'November' },
      { kind: 'same', text: '.' },
    ]);
  });

  it('marks words added and removed where they are, keeping what is between', () => {
    expect(wordDiff('Le taux de chômage est stable.', 'Le taux de chômage national est resté stable.')).toEqual([
      { kind: 'same', text: 'Le taux de chômage ' },
      { kind: 'added', text: 'national ' },
      { kind: 'same', text: 'est' },
      { kind: 'added', text: ' resté' },
      { kind: 'same', text: ' stable.' },
    ]);
    expect(wordDiff('Read the full report today.', 'Read the report.')).toEqual([
      { kind: 'same', text: 'Read the ' },
      { kind: 'removed', text: 'full ' },
      { kind: 'same', text: 'report' },
      { kind: 'removed', text: ' today' },
      { kind: 'same', text: '.' },
    ]);
  });

  it('reads several neighbouring words changed as one replacement, not alternating fragments', () => {
    expect(wordDiff('See the data now', 'See our new tables now')).toEqual([
      { kind: 'same', text: 'See ' },
      { kind: 'removed', text: 'the data' },
      { kind: 'added', text: 'our new tables' },
      { kind: 'same', text: ' now' },
    ]);
  });

  it('shows a change of spacing alone (a no-break space before a colon)', () => {
    const parts = wordDiff('Taux de chômage : 6,5 %', 'Taux de chômage\u00a0: 6,5\u00a0%');
    expect(changed(parts)).toBe(true);
    expect(parts.filter((p) => p.kind === 'added').map((p) => p.text)).toEqual(['\u00a0', '\u00a0']);
  });

  it('handles empty texts on either side', () => {
    expect(wordDiff('', 'Nouveau texte')).toEqual([{ kind: 'added', text: 'Nouveau texte' }]);
    expect(wordDiff('Old text', '')).toEqual([{ kind: 'removed', text: 'Old text' }]);
    expect(wordDiff('', '')).toEqual([]);
  });

  it.each([
    ['Consumer Price Index, October. #StatCan', 'October: Consumer Price Index rose 2.4%. #StatCan #CPI'],
    ['a b c d e f', 'f e d c b a'],
    ['one  two\nthree', 'one two three four'],
    ['Indice des prix à la consommation', 'Indice des prix à la consommation, octobre 2026'],
    ['x', 'y'],
  ])('rebuilds both texts from its parts: %s → %s', (a, b) => {
    const parts = wordDiff(a, b);
    expect(before(parts)).toBe(a);
    expect(after(parts)).toBe(b);
    // No empty part, and no two neighbours of one kind.
    for (const [i, part] of parts.entries()) {
      expect(part.text).not.toBe('');
      if (i > 0) expect(parts[i - 1]!.kind).not.toBe(part.kind);
    }
  });

  it('keeps as many words in common as there are (a longest common subsequence)', () => {
    const parts = wordDiff('the cat sat on the mat', 'the dog sat on a mat');
    const kept = parts.filter((p) => p.kind === 'same').map((p) => p.text).join('');
    expect(tokens(kept).filter((w) => w.trim())).toEqual(['the', 'sat', 'on', 'mat']);
  });

  it('answers for the longest post any platform takes (LinkedIn, 3,000 characters) all rewritten', () => {
    const a = Array.from({ length: 500 }, (_, i) => `word${i}`).join(' ');
    const b = Array.from({ length: 500 }, (_, i) => `mot${i}`).join(' ');
    const parts = wordDiff(a, b);
    expect(before(parts)).toBe(a);
    expect(after(parts)).toBe(b);
    expect(parts.map((p) => p.kind)).toEqual(['removed', 'added']);
  });
});
