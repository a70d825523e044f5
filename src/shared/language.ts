// English or French? A small naive-Bayes identifier for the two official languages only, built for
// short posts and alt text. franc-min, as Tandem first used it, missed one wrong box in five; the
// libraries that do as well as this one on short posts are 10 to 80 times its size, slower, or
// warn on short alt text (`npm run bench:language` compares them).
// It scores each word by how much more often it appears in French than in English text, from the
// parallel training paragraphs in ./language-corpus.ts; a word never seen there is scored by its
// letter sequences (accents, elision, -tion vs -ment…) from the same text. Capitalised words
// inside a sentence (Montréal, Best Buy) and acronyms weigh little: names are shared by both
// languages. Runs in main and in the renderer on every keystroke: pure, no I/O, about 50 µs per
// post; the first call builds the model from the paragraphs (about 10 ms, 35 ms on a cold start).
import type { Lang } from './domain';
import { languageCorpus } from './language-corpus';

/**
 * The log-odds (French over English) a text needs before it is called one language. Chosen before
 * measuring on the fixtures: e^3 ≈ 20 to 1. Below it, the answer is "cannot tell".
 */
const decisiveScore = 3;

/** Additive smoothing for counts, and the most one word can weigh (so "de" alone cannot decide). */
const smoothing = 0.5;
const wordCap = 4;
/** Weight of a capitalised word that does not start a sentence: most are names. */
const nameWeight = 0.2;
const gramOrders = [1, 2, 3, 4] as const;

/** The text without links, e-mail addresses, mentions and hashtags: what identification looks at. */
export function languageSample(text: string): string {
  return text
    .replace(/(?:https?:\/\/|www\.)\S+/giu, ' ')
    .replace(/[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.\p{L}{2,}/gu, ' ')
    .replace(/[@#][\p{L}\p{N}_]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

interface Token {
  word: string;
  weight: number;
}

const wordPattern = /\p{L}+(?:['’‘]\p{L}+)*/gu;
const spacing = new Set([' ', '\u00a0', '\u202f', '\t', '\n', '"', '“', '”', '«', '»', '(']);

/** Whether the word at `index` starts the text or a sentence (spaces, quotes and brackets aside). */
function startsSentence(sample: string, index: number): boolean {
  for (let i = index - 1; i >= 0; i--) {
    const ch = sample[i]!;
    if (!spacing.has(ch)) return ch === '.' || ch === '!' || ch === '?' || ch === '…';
  }
  return true;
}

/** Lower-case words, apostrophes split off (l'|emploi, canada|'s), each with its weight. */
function tokens(sample: string, known?: (word: string) => boolean): Token[] {
  const out: Token[] = [];
  for (const match of sample.matchAll(wordPattern)) {
    const raw = match[0];
    const initial = startsSentence(sample, match.index);
    const capitalised = /^\p{Lu}/u.test(raw);
    const acronym = raw.length > 1 && raw === raw.toUpperCase();
    const weight = acronym ? 0 : capitalised && !initial ? nameWeight : 1;
    if (weight === 0) continue;
    const parts = raw.toLowerCase().replace(/[’‘]/g, "'").split("'");
    parts.forEach((part, i) => {
      // Keep the apostrophe where it tells (l', qu', 's, 't) if training saw it there.
      const withMark = i > 0 ? `'${part}` : parts.length > 1 ? `${part}'` : part;
      out.push({ word: known?.(withMark) ? withMark : part, weight });
    });
  }
  return out;
}

interface Counts {
  total: number;
  of: Map<string, number>;
}

interface Model {
  words: Record<Lang, Counts>;
  grams: Record<Lang, Counts>;
  wordTypes: number;
  gramTypes: number;
}

const count = (counts: Counts, key: string, times = 1) => {
  counts.of.set(key, (counts.of.get(key) ?? 0) + times);
  counts.total += times;
};

/** Calls `each` with the word's letter sequences of 1 to 4, the word padded with spaces. */
function grams(word: string, each: (gram: string) => void): void {
  const padded = ` ${word.replaceAll("'", '')} `;
  for (const n of gramOrders) {
    // A single space is not a sequence of the word.
    const [from, to] = n === 1 ? [1, padded.length - 1] : [0, padded.length];
    for (let i = from; i + n <= to; i++) each(padded.slice(i, i + n));
  }
}

let model: Model | null = null;

/** Built on first use from the training paragraphs, then kept. */
function trained(): Model {
  if (model) return model;
  const empty = (): Counts => ({ total: 0, of: new Map() });
  const words = { en: empty(), fr: empty() };
  const gramCounts = { en: empty(), fr: empty() };
  for (const lang of ['en', 'fr'] as const) {
    for (const paragraph of languageCorpus[lang]) {
      for (const { word } of tokens(paragraph)) count(words[lang], word);
    }
    // Letter sequences from each distinct word once, times its count.
    for (const [word, times] of words[lang].of) grams(word, (g) => count(gramCounts[lang], g, times));
  }
  // Elided and contracted forms count as their own words: l', d', qu', 's, n't, 're.
  for (const lang of ['en', 'fr'] as const) {
    for (const paragraph of languageCorpus[lang]) {
      for (const m of paragraph.toLowerCase().replace(/[’‘]/g, "'").matchAll(/(\p{L}+)'(\p{L}+)/gu)) {
        count(words[lang], `${m[1]}'`);
        count(words[lang], `'${m[2]}`);
      }
    }
  }
  const types = (a: Counts, b: Counts) => new Set([...a.of.keys(), ...b.of.keys()]).size;
  const wordTypes = types(words.en, words.fr);
  model = { words, grams: gramCounts, wordTypes, gramTypes: types(gramCounts.en, gramCounts.fr) };
  return model;
}

const logRatio = (fr: Counts, en: Counts, key: string, types: number) =>
  Math.log(((fr.of.get(key) ?? 0) + smoothing) / (fr.total + smoothing * types)) -
  Math.log(((en.of.get(key) ?? 0) + smoothing) / (en.total + smoothing * types));

function wordScore(m: Model, word: string): number {
  const seen = (m.words.fr.of.get(word) ?? 0) + (m.words.en.of.get(word) ?? 0);
  if (seen > 0) return logRatio(m.words.fr, m.words.en, word, m.wordTypes);
  let sum = 0;
  let n = 0;
  grams(word, (g) => {
    sum += logRatio(m.grams.fr, m.grams.en, g, m.gramTypes);
    n += 1;
  });
  // The mean over its sequences, doubled: an unseen word weighs about as much as a rare known one.
  return n === 0 ? 0 : (sum / n) * 2;
}

/** Evidence that the text is French rather than English, in log-odds: > 0 French, < 0 English. */
function languageScore(text: string): number {
  const m = trained();
  const known = (w: string) => m.words.en.of.has(w) || m.words.fr.of.has(w);
  let score = 0;
  for (const { word, weight } of tokens(languageSample(text), known)) {
    const s = wordScore(m, word);
    score += weight * Math.max(-wordCap, Math.min(wordCap, s));
  }
  return score;
}

/** The language the text reads as, or null when it is too short or too close to call. */
export function detectLanguage(text: string): Lang | null {
  const score = languageScore(text);
  if (score >= decisiveScore) return 'fr';
  if (score <= -decisiveScore) return 'en';
  return null;
}
