// The language check on short official posts: a text in the wrong box is missed at most 1 time
// in 20, and a correct pair is warned at most 1 time in 50 (issue 10). Accuracy on fixed data,
// measured the same way as `npm run bench:language`.
import { describe, expect, it } from 'vitest';
import { defaultCheckSettings, detectLanguage, runChecks } from '../../src/shared/checks';
import { measureLanguage } from '../fixtures/language-accuracy';
import { altTexts, languagePosts } from '../fixtures/language-posts';

const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;

describe('language of each side on short posts', () => {
  it('has at least 100 pairs, each side 60–280 characters', () => {
    expect(languagePosts.length).toBeGreaterThanOrEqual(100);
    for (const pair of languagePosts) {
      for (const text of [pair.en, pair.fr]) {
        expect([...text].length, text).toBeGreaterThanOrEqual(60);
        expect([...text].length, text).toBeLessThanOrEqual(280);
      }
    }
  });

  it('misses the wrong language at most 1 time in 20 and warns a correct pair at most 1 time in 50', () => {
    const result = measureLanguage(detectLanguage, languagePosts);
    console.log(
      `language: ${result.pairs} pairs, ` +
        `missed ${percent(result.missed)} (${result.misses.length} of ${2 * result.pairs}), ` +
        `false warnings ${percent(result.falseWarnings)} (${result.warned.length} of ${result.pairs})`,
    );
    expect(result.missed).toBeLessThanOrEqual(0.05);
    expect(result.falseWarnings).toBeLessThanOrEqual(0.02);
  });

  it('reports the swapped texts through the check itself', () => {
    const [pair] = languagePosts;
    const findings = runChecks({ en: pair!.fr, fr: pair!.en }, defaultCheckSettings);
    const swapped = findings.filter((f) => f.check === 'language.mismatch');
    expect(swapped.map((f) => [f.lang, f.params['detected']])).toEqual([
      ['en', 'fr'],
      ['fr', 'en'],
    ]);
  });
});

describe('alt text, 20–120 characters', () => {
  it('never warns a correct description, and says "cannot tell" rather than guess', () => {
    const result = measureLanguage(detectLanguage, altTexts.map((alt) => ({ source: 'alt text', ...alt })));
    console.log(
      `alt text: ${result.pairs} pairs, missed ${percent(result.missed)}, ` +
        `false warnings ${percent(result.falseWarnings)}`,
    );
    expect(result.falseWarnings).toBe(0);
    expect(result.missed).toBeLessThanOrEqual(0.1);
    // Names and logos alone read as neither language.
    const names = ['Logo', 'Canada 2024', 'Marie-Philip Poulin, Montréal', 'Photo: Parks Canada / Parcs Canada'];
    for (const name of names) expect(detectLanguage(name), name).toBeNull();
  });

  it('warns an alt text left in the other language', () => {
    const media = [{ altEn: altTexts[0]!.en, altFr: altTexts[1]!.en }];
    const findings = runChecks({ en: languagePosts[0]!.en, fr: languagePosts[0]!.fr }, defaultCheckSettings, media);
    expect(findings.filter((f) => f.check === 'media.altLanguage')).toEqual([
      { check: 'media.altLanguage', severity: 'warn', lang: 'fr', params: { position: 1, detected: 'en' } },
    ]);
  });
});
