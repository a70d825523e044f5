// How well each content check does on labelled posts (test/fixtures/checks): precision and recall
// per check, measured the same way as `npm run bench:checks`, printed and held to the thresholds
// issue 10 sets for the checks (precision ≥ 0.98, recall ≥ 0.95). French spacing must also offer
// exactly the fix a federal reviewer would make. A failure names the posts behind it.
import { describe, expect, it } from 'vitest';
import { fixFrenchSpacing } from '../../src/shared/typography';
import { measureChecks, type Score } from '../fixtures/checks/accuracy';
import { mediaCases } from '../fixtures/checks/media';
import { missingCases } from '../fixtures/checks/missing';
import { parityPairs } from '../fixtures/checks/parity';
import { termsCases } from '../fixtures/checks/terms';
import { spacingNegatives, spacingPositives } from '../fixtures/checks/typography';

const length = (text: string) => [...text].length;
const fmt = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(3));
const spaces = /[ \u00a0\u202f\u2009]/g;

describe('the fixtures', () => {
  it('have the stated sizes', () => {
    expect(spacingPositives.length).toBeGreaterThanOrEqual(60);
    expect(spacingNegatives.length).toBeGreaterThanOrEqual(60);
    for (const check of ['parity.links', 'parity.hashtags', 'parity.mentions'] as const) {
      expect(parityPairs.filter((p) => p.fires.includes(check)).length, check).toBeGreaterThanOrEqual(30);
      expect(parityPairs.filter((p) => !p.fires.includes(check)).length, check).toBeGreaterThanOrEqual(30);
    }
    const linkSides = parityPairs.flatMap((p) => (['en', 'fr'] as const).map((lang) => p.linkLanguage.includes(lang)));
    expect(linkSides.filter(Boolean).length).toBeGreaterThanOrEqual(30);
    expect(linkSides.filter((x) => !x).length).toBeGreaterThanOrEqual(30);
    // Smaller sets for the plain checks, but both kinds in each.
    const missingSides = missingCases.flatMap((c) => (['en', 'fr'] as const).map((lang) => c.missing.includes(lang)));
    const termSides = termsCases.flatMap((c) => (['en', 'fr'] as const).map((lang) => c.flagged.includes(lang)));
    for (const [name, labels] of [
      ['language.missing', missingSides],
      ['terms.flagged', termSides],
      ['media.altText', mediaCases.map((c) => c.altText)],
      ['media.altLanguage', mediaCases.map((c) => c.altLanguage)],
    ] as const) {
      expect(labels.filter(Boolean).length, name).toBeGreaterThanOrEqual(10);
      expect(labels.filter((x) => !x).length, name).toBeGreaterThanOrEqual(10);
    }
  });

  it('are posts of 60–280 characters', () => {
    const texts = [
      ...spacingPositives.map((p) => p.text),
      ...spacingNegatives,
      ...parityPairs.flatMap((p) => [p.en, p.fr]),
    ];
    const outside = texts.filter((t) => length(t) < 60 || length(t) > 280);
    expect(outside, `outside 60–280 characters:\n${outside.map((t) => `${length(t)}: ${t}`).join('\n')}`).toEqual([]);
  });

  it('expect fixes that change only spaces and are themselves clean', () => {
    for (const { text, fixed } of spacingPositives) {
      expect(fixed, text).not.toBe(text);
      expect(fixed.replace(spaces, ''), text).toBe(text.replace(spaces, ''));
      expect(fixFrenchSpacing(fixed), `the expected fix is not clean: ${fixed}`).toBe(fixed);
    }
  });
});

describe('precision and recall of each check', () => {
  const { scores, frenchSpacingFixes } = measureChecks();

  it('prints the measured numbers', () => {
    const rows = scores.map(
      (s) =>
        `| ${s.check} | ${s.positives} | ${s.negatives} | ${fmt(s.precision)} | ${fmt(s.recall)} | ` +
        `${s.truePositives} | ${s.falsePositives} | ${s.falseNegatives} | ${s.trueNegatives} |`,
    );
    console.log(
      ['| Check | Positives | Negatives | Precision | Recall | TP | FP | FN | TN |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |', ...rows].join(
        '\n',
      ) + `\nFrench spacing fixes exact: ${frenchSpacingFixes.exact} of ${frenchSpacingFixes.total}`,
    );
    expect(scores.map((s) => s.check)).toEqual([
      'typography.frenchSpacing',
      'parity.links',
      'parity.hashtags',
      'parity.mentions',
      'parity.linkLanguage',
      'language.missing',
      'terms.flagged',
      'media.altText',
      'media.altLanguage',
    ]);
  });

  const failures = (s: Score) =>
    `${s.check}\nmissed (${s.misses.length}):\n${s.misses.join('\n')}\nfalse alarms (${s.falseAlarms.length}):\n${s.falseAlarms.join('\n')}`;

  it.each(scores.map((s) => [s.check, s] as const))('%s: precision ≥ 0.98 and recall ≥ 0.95', (_check, s) => {
    expect(s.precision, failures(s)).toBeGreaterThanOrEqual(0.98);
    expect(s.recall, failures(s)).toBeGreaterThanOrEqual(0.95);
  });

  it('offers exactly the expected French spacing fix on every positive', () => {
    expect(frenchSpacingFixes.wrong, `wrong fixes:\n${frenchSpacingFixes.wrong.join('\n')}`).toEqual([]);
    expect(frenchSpacingFixes.exact).toBe(frenchSpacingFixes.total);
  });
});
