// Language identifiers side by side on short bilingual posts: `npm run bench:language`.
// For each identifier, restricted to English and French where the library allows, on the
// fixture posts (test/fixtures/language-posts.ts): how often a text in the wrong box is missed,
// how often a correct pair is warned, time per call (sample cleaning included) and what it adds
// to the renderer bundle (esbuild, minified, and gzipped).
//
// Decision rules. Every library gives scores for en and fr; it calls the text when the leader is
// ahead by a margin m, relative ((top - second) / top) or absolute (top - second), and says
// nothing when the cleaned sample is under 15 characters (as Tandem did with franc-min). Both
// kinds of m are swept on the fixtures themselves and the lowest miss rate with at most 2% false
// warnings is printed: tuned on the test set, so these rows flatter the libraries. Tandem's
// identifier (src/shared/language.ts) uses its threshold as fixed before measuring.
// As a check on over-fitting, the "UI" columns use text nobody wrote for this: the app's own
// EN/FR interface strings of 40 characters or more (src/renderer/src/i18n). The alt-text columns
// are image descriptions (20–120 characters), where "cannot tell" is more often the right answer.
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { francAll as francMin } from 'franc-min';
import { francAll as francBig } from 'franc';
import { francAll as francAllLangs } from 'franc-all';
import { detectAll as tinyld } from 'tinyld';
import { detectAll as tinyldHeavy } from 'tinyld/heavy';
import eld from 'eld/small';
import LanguageDetect from 'languagedetect';
import lande from 'lande';
import type { Lang } from '../src/shared/domain';
import { detectLanguage, languageSample } from '../src/shared/language';
import en from '../src/renderer/src/i18n/en.json';
import fr from '../src/renderer/src/i18n/fr.json';
import { altTexts, languagePosts, type PostPair } from '../test/fixtures/language-posts';
import { measureLanguage, type Identify } from '../test/fixtures/language-accuracy';
import { percentile, progress, round, table } from './stats';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type Ranked = { lang: Lang; score: number }[];

interface Candidate {
  name: string;
  /** Scores for en and fr, best first (either may be missing). */
  rank?: (sample: string) => Ranked;
  /** A complete identifier with its own rule (Tandem's). */
  identify?: Identify;
  /** What the bundle would import. */
  entry: string;
  /** A fixed rule instead of the sweep (the rule as Tandem shipped it). */
  rule?: Rule;
}

const fromIso3 = (code: string): Lang | null => (code === 'eng' ? 'en' : code === 'fra' ? 'fr' : null);
const ranked = (pairs: [Lang | null, number][]): Ranked =>
  pairs
    .filter((p): p is [Lang, number] => p[0] !== null && p[1] > 0)
    .map(([lang, score]) => ({ lang, score }))
    .sort((a, b) => b.score - a.score);

const franc = (fn: typeof francMin) => (sample: string) =>
  ranked(fn(sample, { only: ['eng', 'fra'], minLength: 15 }).map(([code, score]) => [fromIso3(code), score]));
const asLang = (code: string): Lang | null => (code === 'en' || code === 'fr' ? code : null);
const tiny = (fn: typeof tinyld) => (sample: string) =>
  ranked(fn(sample, { only: ['en', 'fr'] }).map(({ lang, accuracy }) => [asLang(lang), accuracy]));
eld.setLanguageSubset(['en', 'fr']);
const languageDetect = new LanguageDetect();

const candidates: Candidate[] = [
  {
    name: 'franc-min 6.2.0, as shipped (runner-up < 0.8)',
    rank: franc(francMin),
    rule: { kind: 'absolute', at: 0.2 },
    entry: `export { francAll } from 'franc-min';`,
  },
  { name: 'franc-min 6.2.0 (82 languages)', rank: franc(francMin), entry: `export { francAll } from 'franc-min';` },
  { name: 'franc 6.2.0 (187 languages)', rank: franc(francBig), entry: `export { francAll } from 'franc';` },
  {
    name: 'franc-all 7.2.0 (414 languages)',
    rank: franc(francAllLangs),
    entry: `export { francAll } from 'franc-all';`,
  },
  { name: 'tinyld 1.3.4', rank: tiny(tinyld), entry: `export { detectAll } from 'tinyld';` },
  { name: 'tinyld 1.3.4 heavy', rank: tiny(tinyldHeavy), entry: `export { detectAll } from 'tinyld/heavy';` },
  {
    name: 'eld 2.1.0 small',
    rank: (sample) => {
      const scores = eld.detect(sample).getScores();
      return ranked([
        ['en', scores['en'] ?? 0],
        ['fr', scores['fr'] ?? 0],
      ]);
    },
    entry: `export { default } from 'eld/small';`,
  },
  {
    name: 'languagedetect 2.0.0',
    rank: (sample) =>
      ranked(
        languageDetect
          .detect(sample)
          .map(([name, score]) => [name === 'english' ? 'en' : name === 'french' ? 'fr' : null, score]),
      ),
    entry: `export { default } from 'languagedetect';`,
  },
  {
    name: 'lande 1.0.10',
    rank: (sample) => ranked(lande(sample).map(([code, p]) => [fromIso3(code), p])),
    entry: `export { default } from 'lande';`,
  },
  {
    name: 'Tandem EN/FR naive Bayes (picked)',
    identify: detectLanguage,
    entry: `export { detectLanguage } from './src/shared/language';`,
  },
];

// ---- decision rules -------------------------------------------------------------------------
const minSample = 15;
/** Call the leader when it is ahead by `at`: relatively, (top - second) / top, or absolutely. */
interface Rule {
  kind: 'relative' | 'absolute';
  at: number;
}
const ahead = (rule: Rule, top: number, second: number) =>
  (rule.kind === 'relative' ? (top - second) / top : top - second) >= rule.at;
/** The sweep asks the same texts 200 times: it passes a cache; timing does not. */
const withRule = (rank: (sample: string) => Ranked, rule: Rule, cache?: Map<string, Ranked>): Identify => {
  return (text) => {
    const sample = languageSample(text);
    if (sample.length < minSample) return null;
    const r = cache?.get(sample) ?? rank(sample);
    cache?.set(sample, r);
    const [first, second] = r;
    if (!first) return null;
    return ahead(rule, first.score, second?.score ?? 0) ? first.lang : null;
  };
};
const steps = Array.from({ length: 100 }, (_, i) => i / 100);
const rules: Rule[] = [
  ...steps.map((at) => ({ kind: 'relative' as const, at })),
  ...steps.map((at) => ({ kind: 'absolute' as const, at })),
];
const describe = (rule: Rule) =>
  rule.kind === 'relative' ? `(top − 2nd) / top ≥ ${rule.at.toFixed(2)}` : `top − 2nd ≥ ${rule.at.toFixed(2)}`;

function uiPairs(): PostPair[] {
  const flat = (o: object, prefix = ''): [string, string][] =>
    Object.entries(o).flatMap(([k, v]): [string, string][] =>
      typeof v === 'string' ? [[prefix + k, v]] : flat(v as object, `${prefix}${k}.`),
    );
  const frByKey = new Map(flat(fr));
  const plain = (s: string) => s.replace(/\{\{[^}]*\}\}|<[^>]+>/g, ' ');
  return flat(en)
    .map(([key, text]) => ({ source: key, en: plain(text), fr: plain(frByKey.get(key) ?? '') }))
    .filter((p) => p.en.length >= 40 && p.fr.length >= 40 && p.en !== p.fr);
}

function timing(identify: Identify, texts: string[]): { p50: number; p99: number } {
  for (const t of texts) identify(t);
  const samples: number[] = [];
  for (let round = 0; round < 10; round++) {
    for (const t of texts) {
      const start = performance.now();
      identify(t);
      samples.push(performance.now() - start);
    }
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function bundleSize(entry: string): Promise<{ min: number; gzip: number }> {
  const result = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  return { min: code.length, gzip: gzipSync(code).length };
}

// ---- run ------------------------------------------------------------------------------------
const ui = uiPairs();
const alts = altTexts.map((p) => ({ source: 'alt text', ...p }));
const texts = languagePosts.flatMap((p) => [p.en, p.fr]);
const rows: (string | number)[][] = [];
const json: Record<string, unknown>[] = [];
for (const c of candidates) {
  progress(c.name);
  let identify: Identify;
  let rule: string;
  if (c.identify) {
    identify = c.identify;
    rule = 'fixed: |log-odds| ≥ 3';
  } else {
    const rank = c.rank!;
    const cache = new Map<string, Ranked>();
    // Lowest miss rate with at most 2% false warnings; if no rule gets there, fewest false warnings.
    const swept = rules
      .map((r) => ({ r, m: measureLanguage(withRule(rank, r, cache), languagePosts) }))
      .map((x) => ({ ...x, ok: x.m.falseWarnings <= 0.02 }))
      .sort(
        (a, b) =>
          Number(b.ok) - Number(a.ok) ||
          (a.ok ? a.m.missed - b.m.missed : a.m.falseWarnings - b.m.falseWarnings) ||
          a.m.missed - b.m.missed ||
          a.m.falseWarnings - b.m.falseWarnings,
      );
    const chosen = c.rule ?? swept[0]!.r;
    identify = withRule(rank, chosen);
    const note = c.rule ? ' (as shipped)' : swept[0]!.ok ? '' : ' (none ≤ 2% warn.)';
    rule = `${describe(chosen)}${note}`;
  }
  const posts = measureLanguage(identify, languagePosts);
  const held = measureLanguage(identify, ui);
  const alt = measureLanguage(identify, alts);
  const time = timing(identify, texts);
  const size = await bundleSize(c.entry);
  rows.push([
    c.name,
    rule,
    `${(posts.missed * 100).toFixed(1)}%`,
    `${(posts.falseWarnings * 100).toFixed(1)}%`,
    `${(time.p50 * 1000).toFixed(0)} µs`,
    `${(time.p99 * 1000).toFixed(0)} µs`,
    `${Math.round(size.min / 1024)} KB`,
    `${Math.round(size.gzip / 1024)} KB`,
    `${(held.missed * 100).toFixed(1)}%`,
    `${(held.falseWarnings * 100).toFixed(1)}%`,
    `${(alt.missed * 100).toFixed(0)}%`,
    `${(alt.falseWarnings * 100).toFixed(0)}%`,
  ]);
  json.push({
    name: c.name,
    rule,
    missed: round(posts.missed, 4),
    falseWarnings: round(posts.falseWarnings, 4),
    p50Ms: round(time.p50, 4),
    p99Ms: round(time.p99, 4),
    bundleBytes: size.min,
    gzipBytes: size.gzip,
    uiMissed: round(held.missed, 4),
    uiFalseWarnings: round(held.falseWarnings, 4),
    altMissed: round(alt.missed, 4),
    altFalseWarnings: round(alt.falseWarnings, 4),
  });
}

console.log(
  `\nLanguage of each side: ${languagePosts.length} post pairs (${texts.length} texts, 60–280 characters), ` +
    `${ui.length} interface-string pairs held out, ${alts.length} alt-text pairs (20–120 characters)\n`,
);
console.log(
  table(
    [
      ...['Identifier', 'Decision rule', 'Missed', 'False warn.', 'p50', 'p99', 'Bundle', 'gzip'],
      ...['UI missed', 'UI warn.', 'Alt missed', 'Alt warn.'],
    ],
    rows,
  ),
);
console.log(JSON.stringify({ language: json }));
