// The desk's signed record of the audit trail's head, kept in a file beside its SQLite database
// (a server keeps its head in the database only): removing it is shown, not taken for a new trail.
import fs from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { auditHeadFile } from '../../src/main/services/audit';
import { startTestApp, type TestApp } from '../support';
import { auditView, someHistory } from '../audit-view';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

it('deleting the record kept beside the database is shown', async () => {
  t = await startTestApp();
  await someHistory(t);
  expect(fs.existsSync(auditHeadFile(t.dbFile))).toBe(true);
  await t.whileClosed(() => fs.rmSync(auditHeadFile(t!.dbFile)));
  const page = await auditView(t.reopen());
  expect(page.integrity.state).toBe('broken');
  expect(page.integrity.problems.map((p) => p.kind)).toEqual(['headMissing']);
});
