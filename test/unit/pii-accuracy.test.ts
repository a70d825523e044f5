// How well the personal-information check tells a person's data from an agency's numbers, measured
// on fixed fixtures written for it (test/fixtures/pii): posts carrying what identifies a person, and
// agency posts that must pass, about half in each language. Printed, and held to the thresholds
// the issue sets. A positive counts only when its datum is reported as the right kind.
import { describe, expect, it } from 'vitest';
import { findPersonalInformation } from '../../src/shared/pii';
import { positives } from '../fixtures/pii/positives';
import { fixtureAllowList, negatives } from '../fixtures/pii/negatives';

interface Score {
  truePositives: number;
  falseNegatives: number;
  falsePositives: number;
  trueNegatives: number;
}

function score(lang?: 'en' | 'fr'): Score & { misses: string[]; falseAlarms: string[] } {
  const misses: string[] = [];
  const falseAlarms: string[] = [];
  let truePositives = 0;
  let trueNegatives = 0;
  for (const p of positives.filter((x) => !lang || x.lang === lang)) {
    const found = findPersonalInformation(p.text, fixtureAllowList);
    const hit = found.some((f) => f.kind === p.kind && (f.match.includes(p.datum) || p.datum.includes(f.match)));
    if (hit) truePositives++;
    else misses.push(`${p.kind}: ${p.text} -> ${JSON.stringify(found)}`);
  }
  for (const n of negatives.filter((x) => !lang || x.lang === lang)) {
    const found = findPersonalInformation(n.text, fixtureAllowList);
    if (found.length === 0) trueNegatives++;
    else falseAlarms.push(`${n.text} -> ${JSON.stringify(found)}`);
  }
  return { truePositives, falseNegatives: misses.length, falsePositives: falseAlarms.length, trueNegatives, misses, falseAlarms };
}

const precision = (s: Score) => s.truePositives / (s.truePositives + s.falsePositives);
const recall = (s: Score) => s.truePositives / (s.truePositives + s.falseNegatives);
const fmt = (x: number) => x.toFixed(3);

describe('personal information: precision and recall on the fixtures', () => {
  it('has at least 150 positives and 150 negatives, in both languages', () => {
    expect(positives.length).toBeGreaterThanOrEqual(150);
    expect(negatives.length).toBeGreaterThanOrEqual(150);
    for (const lang of ['en', 'fr'] as const) {
      expect(positives.filter((p) => p.lang === lang).length).toBeGreaterThanOrEqual(positives.length * 0.4);
      expect(negatives.filter((n) => n.lang === lang).length).toBeGreaterThanOrEqual(negatives.length * 0.4);
    }
  });

  it('reaches precision ≥ 0.98 and recall ≥ 0.95, overall and in each language', () => {
    const rows = [
      ['all', score()],
      ['en', score('en')],
      ['fr', score('fr')],
    ] as const;
    for (const [name, s] of rows) {
      console.log(
        `pii ${name}: precision ${fmt(precision(s))} recall ${fmt(recall(s))} ` +
          `(TP ${s.truePositives}, FN ${s.falseNegatives}, FP ${s.falsePositives}, TN ${s.trueNegatives})`,
      );
    }
    const all = rows[0][1];
    if (all.misses.length) console.log(`missed:\n${all.misses.join('\n')}`);
    if (all.falseAlarms.length) console.log(`false alarms:\n${all.falseAlarms.join('\n')}`);
    for (const [, s] of rows) {
      expect(precision(s)).toBeGreaterThanOrEqual(0.98);
      expect(recall(s)).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('finds every kind the fixtures name', () => {
    const byKind = new Map<string, { hit: number; total: number }>();
    for (const p of positives) {
      const entry = byKind.get(p.kind) ?? { hit: 0, total: 0 };
      entry.total++;
      if (findPersonalInformation(p.text, fixtureAllowList).some((f) => f.kind === p.kind)) entry.hit++;
      byKind.set(p.kind, entry);
    }
    console.log(`pii recall by kind: ${[...byKind].map(([k, v]) => `${k} ${v.hit}/${v.total}`).join(', ')}`);
    for (const [kind, { hit }] of byKind) expect(hit, kind).toBeGreaterThan(0);
  });
});
