// Precision and recall of every content check on its labelled fixtures: `npm run bench:checks`.
// The checks run by runChecks are measured on test/fixtures/checks (test/fixtures/checks/accuracy.ts,
// which test/unit/checks-accuracy.test.ts holds to precision ≥ 0.98 and recall ≥ 0.95); personal
// information on test/fixtures/pii, counted as test/unit/pii-accuracy.test.ts counts it; the
// language of each side on test/fixtures/language-posts.ts, from measureLanguage (recall is
// 1 − the missed rate; precision counts the sides wrongly warned on correct pairs).
// Prints a markdown table for the README's checks table.
import { checkIds } from '../src/shared/checks';
import { measureChecks, measureLanguageCheck, measurePii, type Score } from '../test/fixtures/checks/accuracy';

const { scores, frenchSpacingFixes } = measureChecks();
// In the order of the checks (checkIds), as the README's checks table lists them.
const order = (s: Score) => (checkIds as readonly string[]).indexOf(s.check);
const rows: Score[] = [measureLanguageCheck(), ...scores, measurePii()].sort((a, b) => order(a) - order(b));
const fmt = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(3));

console.log('| Check | Positives | Negatives | Precision | Recall |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const s of rows) console.log(`| ${s.check} | ${s.positives} | ${s.negatives} | ${fmt(s.precision)} | ${fmt(s.recall)} |`);
console.log(`\nFrench spacing: the offered fix is exactly the expected text on ${frenchSpacingFixes.exact} of ${frenchSpacingFixes.total} positives.`);
