// What a person does while the publisher is busy, and the edges of roles and reconciliation.
import { afterEach, describe, expect, it } from 'vitest';
import type { Pair, User } from '../../src/shared/domain';
import type { XCredentials } from '../../src/shared/contract';
import { KeytarSecretStore, type SecretStore } from '../../src/main/secrets';
import { passphraseOf, startTestApp, waitFor, type TestApp } from '../support';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

/** The keychain, slowed down: the publisher reads credentials between deciding and sending. */
function slowSecrets(service: () => string, delayMs: number): SecretStore {
  const real = () => new KeytarSecretStore(service());
  return {
    set: (id: string, c: XCredentials) => real().set(id, c),
    delete: (id: string) => real().delete(id),
    getAuditKey: () => real().getAuditKey(),
    setAuditKey: (key: Buffer) => real().setAuditKey(key),
    get: async (id: string) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return real().get(id);
    },
  };
}

async function slowApp(): Promise<TestApp> {
  let service = '';
  const app = await startTestApp({ secrets: slowSecrets(() => service, 300) });
  service = app.service;
  return app;
}

describe('a person acts while the publisher is reading credentials', () => {
  it('cancel wins: nothing is sent', async () => {
    t = await slowApp();
    const channelId = await t.addChannel();
    const pair = await t.publish(channelId, 'Cancel me quickly', 'Annulez-moi vite');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const cancelled = await t.call<Pair>('pairs.cancel', { id: pair.id });
    expect(cancelled.status).toBe('cancelled');
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(t.fake.posts).toHaveLength(0);
    expect((await t.tandem.pairs.get(pair.id))!.status).toBe('cancelled');
  });

  it('an edit wins: the old text is not sent and the pair is back in review', async () => {
    t = await slowApp();
    const channelId = await t.addChannel();
    const pair = await t.publish(channelId, 'Old wording', 'Ancienne formulation');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const edited = await t.call<Pair>('pairs.update', { id: pair.id, version: pair.version, enText: 'New wording', frText: 'Nouvelle formulation' });
    expect(edited.status).toBe('review');
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(t.fake.posts).toHaveLength(0);
    expect((await t.tandem.pairs.get(pair.id))!.status).toBe('review');
  });
});

describe('edges', () => {
  it('a pair released long after it was held for re-authorisation goes out, not held again as late', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel();
    const account = (await t.tandem.accounts.get(channelId))!;
    await t.tandem.sql.run("UPDATE account SET status = 'needs_reauth' WHERE id = ?", [account.fr.id]);
    const pair = await t.publish(channelId, 'Held for auth', 'Retenue pour autorisation');
    await waitFor(async () => (await t!.tandem.pairs.get(pair.id))?.status === 'held', 3_000, 'held');
    // An hour passes before the credentials are renewed.
    await t.tandem.sql.run('UPDATE post_pair SET scheduled_at = ? WHERE id = ?', [Date.now() - 3_600_000, pair.id]);
    await t.call('accounts.updateCredentials', { accountId: account.fr.id, credentials: { platform: 'x', appKey: t.fr.appKey, appSecret: t.fr.appSecret, accessToken: t.fr.accessToken, accessSecret: t.fr.accessSecret } });
    await t.call('pairs.release', { id: pair.id, version: pair.version });
    await waitFor(async () => (await t!.tandem.pairs.get(pair.id))?.status === 'published', 5_000, 'published');
  });

  it('a "duplicate" refusal after an unknown outcome is checked again, and the post found', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel();
    // X makes the EN post but answers late; its timeline then lags behind once.
    t.fake.responseDelayMs = 2_500;
    const pair = await t.publish(channelId, 'Lagging timeline', 'Fil en retard');
    await waitFor(async () => (await t!.tandem.pairs.get(pair.id))?.deliveries.every((d) => d.status === 'checking'), 5_000, 'checking');
    t.fake.responseDelayMs = 0;
    t.fake.failNext(t.en.username, { status: 200, body: JSON.stringify({ meta: { result_count: 0 } }), path: `/2/users/${t.en.userId}/tweets` });
    await waitFor(async () => (await t!.tandem.pairs.get(pair.id))?.status === 'published', 8_000, 'published');
    expect(t.fake.postsBy(t.en.username)).toHaveLength(1);
    const en = (await t.tandem.pairs.get(pair.id))!.deliveries.find((d) => d.lang === 'en')!;
    expect(en.remoteId).toBe(t.fake.postsBy(t.en.username)[0]!.id);
    expect((await t.tandem.audit.list(pair.id)).some((e) => e.action === 'delivery.retrying' && e.detail['error'] === 'platform.duplicate')).toBe(true);
  });

  it('nobody approves text they changed, unless self-approval is allowed', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel('Strict', { allowSelfApproval: false });
    await t.addUser('dana', ['drafter']);
    await t.addUser('eve', ['translator', 'approver']);
    await t.signInAs('dana');
    let pair = await t.call<Pair>('pairs.create', { channelIds: [channelId], enText: 'Draft by Dana', frText: 'Ébauche de Dana', authorTz: 'UTC' });
    pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
    await t.signInAs('eve');
    pair = await t.call<Pair>('pairs.update', { id: pair.id, version: pair.version, enText: 'Draft by Dana, edited by Eve', frText: 'Ébauche de Dana' });
    expect(await t.tandem.dispatch(t.caller, 'pairs.approve', { id: pair.id, version: pair.version, comment: 'ok' })).toEqual({
      ok: false,
      error: { code: 'approval.selfNotAllowed' },
    });
  });

  it('the last administrator role cannot be revoked', async () => {
    t = await startTestApp();
    const admin = (await t.call<{ user: User }>('session.current')).user;
    const grant = admin.grants.find((g) => g.role === 'admin')!;
    expect(await t.tandem.dispatch(t.caller, 'roles.revoke', { grantId: grant.id })).toEqual({ ok: false, error: { code: 'role.lastAdmin' } });
    const second = await t.addUser('root2', ['admin']);
    expect(second.grants[0]!.role).toBe('admin');
    expect((await t.tandem.dispatch(t.caller, 'roles.revoke', { grantId: grant.id })).ok).toBe(true);
  });

  it('people see only the pairs and account pairs they have a role on', async () => {
    t = await startTestApp();
    const a = await t.addChannel('A');
    const { fakeAccount, credentialsOf } = await import('../fakes/x-api');
    const en = fakeAccount(t.fake, 'B_eng');
    const fr = fakeAccount(t.fake, 'B_fra');
    const b = (await t.call<{ id: string }>('accounts.addPair', { platform: 'x', name: 'B', en: { handle: 'B_eng', displayName: 'B', credentials: credentialsOf(en) }, fr: { handle: 'B_fra', displayName: 'B', credentials: credentialsOf(fr) } })).id;
    for (const [channel, text] of [[a, 'On A'], [b, 'On B']] as const) {
      await t.call('pairs.create', { channelIds: [channel], enText: text, frText: text, authorTz: 'UTC' });
    }
    await t.call('pairs.create', { channelIds: [a, b], enText: 'On both', frText: 'Sur les deux', authorTz: 'UTC' });
    await t.addUser('agency', ['drafter'], { channelId: a });
    await t.addUser('nobody', []);
    await t.signInAs('agency');
    expect((await t.call<Pair[]>('pairs.list')).map((p) => p.enText)).toEqual(['On A']);
    expect((await t.call<{ id: string }[]>('accounts.list')).map((c) => c.id)).toEqual([a]);
    await t.signInAs('nobody');
    expect(await t.call('pairs.list')).toEqual([]);
    expect(await t.call('accounts.list')).toEqual([]);
  });

  it('parallel passphrase guesses are counted one by one and lock the username', async () => {
    t = await startTestApp();
    await t.addUser('dana', ['drafter']);
    await t.call('session.signOut');
    const results = await Promise.all(
      [...Array.from({ length: 12 }, () => 'wrong passphrase!'), passphraseOf('dana')].map((passphrase) =>
        t!.tandem.dispatch(t!.caller, 'session.signIn', { username: 'dana', passphrase }),
      ),
    );
    const codes = results.map((r) => (r.ok ? 'ok' : r.error.code));
    expect(codes.filter((c) => c === 'auth.invalid')).toHaveLength(5);
    expect(codes.at(-1)).toBe('auth.locked');
  });
});
