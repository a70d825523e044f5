// What the audit tests share: some ordinary history to tamper with, and the audit view as the
// administrator sees it once the background re-check is done.
import { expect } from 'vitest';
import type { Tandem } from '../src/main/app';
import type { AuditPage } from '../src/shared/contract';
import { passphraseOf, testCaller as caller, type TestApp } from './support';

export async function auditView(tandem: Tandem): Promise<AuditPage> {
  const signedIn = await tandem.dispatch(caller, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') });
  expect(signedIn.ok).toBe(true);
  await tandem.audit.whenChecked();
  const result = await tandem.dispatch(caller, 'audit.list', { limit: 5_000 });
  if (!result.ok) throw new Error(result.error.code);
  return result.value as AuditPage;
}

/** Some ordinary history: an account pair and an approved pair scheduled for later. */
export async function someHistory(app: TestApp): Promise<void> {
  const channelId = await app.addChannel('Statistics');
  await app.publish(channelId, 'Evidence', 'Preuve', new Date(Date.now() + 3_600_000));
}
