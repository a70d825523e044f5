// axe-core in the page under test, for the accessibility checks of every e2e file that shows a view.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
// The app's CSP allows no injected <script>; evaluating axe's source through the DevTools protocol
// needs no exception to it (the page under test keeps its own policy).
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe on the whole document, WCAG 2.0 and 2.1, A and AA; the violations in words a person can act on. */
export async function axeViolations(page: Page, where: string): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(axeSource);
  const { passed, violations } = await page.evaluate<{ passed: string[]; violations: Violation[] }>(`
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((r) => ({
      passed: r.passes.map((p) => p.id),
      violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target.map(String), failureSummary: n.failureSummary })) })),
    }))
  `);
  // axe did look: every view has a language, a title and text whose contrast it measured.
  expect(passed, where).toEqual(expect.arrayContaining(['html-has-lang', 'document-title', 'color-contrast']));
  return violations.flatMap((v) => v.nodes.map((n) => `${where}: ${v.id} (${v.impact}) at ${n.target.join(' ')} — ${v.help}; ${n.failureSummary ?? ''}`));
}

