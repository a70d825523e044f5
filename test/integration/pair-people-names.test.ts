// The queue names people by display name, for every role (not only administrators, who alone may
// list people): each pair carries the names of the people it names, and of no one else, so seeing
// a pair tells a caller no name from a pair it may not see.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { passphraseOf, startTestApp, type TestApp } from '../support';
import { fakeAccount, fakeApp } from '../fakes/x-api';
import type { Pair, User } from '../../src/shared/domain';

let t: TestApp;
let a: string;
let b: string;

beforeEach(async () => {
  t = await startTestApp();
  a = await t.addChannel('A');
  const app = fakeApp();
  b = await t.addChannel('B', { accounts: { en: fakeAccount(t.fake, 'B_eng', app), fr: fakeAccount(t.fake, 'B_fra', app) }, allowSelfApproval: false });
});
afterEach(async () => t.cleanup());

async function person(username: string, displayName: string, channelId: string): Promise<void> {
  const user = await t.call<User>('users.create', { username, displayName, passphrase: passphraseOf(username) });
  for (const role of ['drafter', 'translator'] as const) await t.call('roles.grant', { userId: user.id, role, channelId, expiresAt: null });
}

describe('people on a pair', () => {
  it('are named by display name to a drafter, who learns no name from pairs outside their view', async () => {
    await person('dana', 'Dana Dubois', a);
    await person('theo', 'Théo Tremblay', a);
    await person('bea', 'Béa Bouchard', b);
    const admin = (await t.call<{ user: User }>('session.current')).user;

    await t.signInAs('bea');
    await t.call('pairs.create', { channelIds: [b], enText: 'Embargoed', frText: 'Sous embargo', authorTz: 'America/Toronto' });
    await t.signInAs('dana');
    const drafted = await t.call<Pair>('pairs.create', { channelIds: [a], enText: 'Labour', frText: '', authorTz: 'America/Toronto' });
    await t.signInAs('theo');
    await t.call('pairs.update', { id: drafted.id, version: drafted.version, enText: 'Labour', frText: 'Travail' });

    const seen = await t.call<Pair[]>('pairs.list', { limit: 100 });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.names).toEqual({ dana: 'Dana Dubois', theo: 'Théo Tremblay' });
    expect(JSON.stringify(seen)).not.toContain('Béa Bouchard');

    // The administrator sees both pairs; each carries its own people only, decisions included.
    await t.signInAs(admin!.username);
    const approved = await t.call<Pair>('pairs.submitForReview', { id: drafted.id, version: (await t.tandem.pairs.get(drafted.id))!.version });
    await t.call('accounts.setSelfApproval', { channelId: a, allowed: true });
    await t.call('pairs.approve', { id: approved.id, version: approved.version, comment: 'OK' });
    const all = await t.call<Pair[]>('pairs.list', { limit: 100 });
    // Newest first.
    expect(all.map((p) => p.names)).toEqual([
      { dana: 'Dana Dubois', theo: 'Théo Tremblay', [admin!.username]: admin!.displayName },
      { bea: 'Béa Bouchard' },
    ]);
  });
});
