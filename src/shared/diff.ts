// What changed between two versions of a text, word by word: the review screen shows an approver
// what was edited since the version they (or someone) last decided on. A longest common
// subsequence over words and the white space between them, small and exact; posts are short
// (at most a few thousand characters), so the quadratic table is a few hundred thousand cells.

export type DiffKind = 'same' | 'added' | 'removed';

/** A run of the text: kept, added in the new version, or removed from the old one. */
export interface DiffPart {
  kind: DiffKind;
  text: string;
}

/**
 * Words, the white space between them and each other character (punctuation, # and @), each its
 * own token: "report." and "report" share the word, and a change of spacing shows too.
 */
export function tokens(text: string): string[] {
  return text.match(/\s+|[\p{L}\p{M}\p{N}_]+|[^\s\p{L}\p{M}\p{N}_]/gu) ?? [];
}

/** Above this many cells, the table would be too large to build: the texts are shown as replaced whole. */
const maxCells = 4_000_000;

/**
 * The parts that turn `before` into `after`: reading the `same` and `removed` parts gives
 * `before`, the `same` and `added` ones give `after`. Neighbouring parts of one kind are joined,
 * and a removal comes before the addition that replaces it.
 */
export function wordDiff(before: string, after: string): DiffPart[] {
  const a = tokens(before);
  const b = tokens(after);
  // Common start and end first: most edits touch a few words in the middle.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const parts: DiffPart[] = [];
  const push = (kind: DiffKind, text: string) => {
    if (!text) return;
    const last = parts.at(-1);
    if (last && last.kind === kind) last.text += text;
    else parts.push({ kind, text });
  };
  push('same', a.slice(0, start).join(''));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  if ((midA.length + 1) * (midB.length + 1) > maxCells) {
    push('removed', midA.join(''));
    push('added', midB.join(''));
  } else {
    for (const part of middle(midA, midB)) push(part.kind, part.text);
  }
  push('same', a.slice(endA).join(''));
  return ordered(parts);
}

/** The LCS table from the end (lengths of the common subsequence of a[i..] and b[j..]), then a walk. */
function middle(a: string[], b: string[]): DiffPart[] {
  const width = b.length + 1;
  const table = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i * width + j] =
        a[i] === b[j] ? table[(i + 1) * width + j + 1]! + 1 : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
    }
  }
  const out: DiffPart[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i]! });
      i++;
      j++;
    } else if (table[(i + 1) * width + j]! >= table[i * width + j + 1]!) {
      out.push({ kind: 'removed', text: a[i]! });
      i++;
    } else {
      out.push({ kind: 'added', text: b[j]! });
      j++;
    }
  }
  for (; i < a.length; i++) out.push({ kind: 'removed', text: a[i]! });
  for (; j < b.length; j++) out.push({ kind: 'added', text: b[j]! });
  return out;
}

/**
 * Each change as one removal followed by one addition: a run of changes, with only white space
 * kept between them, reads as "these words became those" rather than as alternating fragments
 * ("a b" → "x y" is "a b" removed, "x y" added). A run that only adds or only removes stays as it is.
 */
function ordered(parts: DiffPart[]): DiffPart[] {
  const out: DiffPart[] = [];
  const emit = (kind: DiffKind, text: string) => {
    if (!text) return;
    const last = out.at(-1);
    if (last && last.kind === kind) last.text += text;
    else out.push({ kind, text });
  };
  let run: DiffPart[] = [];
  const flush = () => {
    const removes = run.some((p) => p.kind === 'removed');
    const adds = run.some((p) => p.kind === 'added');
    if (removes && adds) {
      // The white space kept inside the run is in both texts: it goes with each side.
      emit('removed', run.filter((p) => p.kind !== 'added').map((p) => p.text).join(''));
      emit('added', run.filter((p) => p.kind !== 'removed').map((p) => p.text).join(''));
    } else for (const p of run) emit(p.kind, p.text);
    run = [];
  };
  parts.forEach((part, k) => {
    const next = parts[k + 1];
    if (part.kind !== 'same') run.push(part);
    else if (run.length > 0 && /^\s+$/.test(part.text) && next && next.kind !== 'same') run.push(part);
    else {
      flush();
      emit('same', part.text);
    }
  });
  flush();
  return out;
}

/** Whether anything changed at all. */
export const changed = (parts: readonly DiffPart[]): boolean => parts.some((p) => p.kind !== 'same');
