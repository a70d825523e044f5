// Administrator housekeeping (issue 14, item 5), on both engines: account pairs renamed in both
// languages and retired with their history kept; a passphrase reset by an administrator or
// changed by its owner, ending the sessions that knew the old one; several roles given at once.
import { afterEach, describe, expect, it } from 'vitest';
import { passphraseOf, startTestApp, type TestApp } from '../support';
import type { Caller } from '../../src/main/services/context';
import type { Channel, Grant, Pair, User } from '../../src/shared/domain';

let t: TestApp;
afterEach(async () => t?.cleanup());

const tz = 'America/Toronto';
const refusal = async (caller: Caller, method: string, input: unknown) =>
  ((await t.tandem.dispatch(caller, method as never, input as never)) as { ok: boolean; error?: { code: string; params?: unknown } });

describe('account pairs', () => {
  it('are renamed in English and French, the change on the record with the old names', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel('Statistics Canada');
    const before = (await t.call<Channel[]>('accounts.list')).find((c) => c.id === channelId)!;
    // Registered with one name: the same in both languages until renamed.
    expect([before.name, before.nameFr]).toEqual(['Statistics Canada', 'Statistics Canada']);

    const renamed = await t.call<Channel>('accounts.rename', { channelId, name: 'Statistics Canada', nameFr: 'Statistique Canada' });
    expect([renamed.name, renamed.nameFr]).toEqual(['Statistics Canada', 'Statistique Canada']);
    const [event] = (await t.tandem.audit.list(channelId)).filter((e) => e.action === 'channel.renamed');
    expect(event!.detail).toMatchObject({ fromFr: 'Statistics Canada', toFr: 'Statistique Canada' });
  });

  it('are retired with their pairs and history kept, and take no new pair', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel('Campaign');
    const old = await t.call<Pair>('pairs.create', { channelIds: [channelId], enText: 'Before', frText: 'Avant', authorTz: tz });

    const retired = await t.call<Channel>('accounts.retire', { channelId });
    expect(retired.retiredAt).not.toBeNull();
    // Still listed (with its date), its pair still there.
    expect((await t.call<Channel[]>('accounts.list')).find((c) => c.id === channelId)!.retiredAt).toBe(retired.retiredAt);
    expect((await t.call<Pair[]>('pairs.list')).map((p) => p.id)).toContain(old.id);

    expect(await refusal(t.caller, 'pairs.create', { channelIds: [channelId], enText: 'After', frText: 'Après', authorTz: tz })).toEqual({
      ok: false,
      error: { code: 'channel.retired', params: { name: 'Campaign' } },
    });
    // The pair drafted before goes no further on it: not to review, so never out.
    expect((await refusal(t.caller, 'pairs.submitForReview', { id: old.id, version: old.version })).error).toEqual({
      code: 'channel.retired',
      params: { name: 'Campaign' },
    });
    expect((await t.tandem.audit.list(channelId)).map((e) => e.action)).toContain('channel.retired');
  });

  it('are not retired while pairs on them are scheduled: the count says how many', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel('Busy');
    await t.publish(channelId, 'Later', 'Plus tard', new Date(Date.now() + 3_600_000));
    expect(await refusal(t.caller, 'accounts.retire', { channelId })).toEqual({ ok: false, error: { code: 'channel.busy', params: { count: 1 } } });
    expect((await t.call<Channel[]>('accounts.list')).find((c) => c.id === channelId)!.retiredAt).toBeNull();
  });
});

describe('passphrases', () => {
  it('an administrator resets one: the person’s sessions end, the new passphrase signs in, the old one no longer does', async () => {
    t = await startTestApp();
    const julie = await t.addUser('julie', ['drafter']);
    const laptop: Caller = { client: 'julie-laptop' };
    await t.signInAs('julie', laptop);
    await t.signInAs('admin');

    await t.call<User>('users.resetPassphrase', { userId: julie.id, passphrase: 'handed over in person today' });
    expect((await t.callFrom<{ user: User | null }>(laptop, 'session.current')).user).toBeNull();
    expect((await refusal(laptop, 'session.signIn', { username: 'julie', passphrase: passphraseOf('julie') })).error?.code).toBe('auth.invalid');
    expect((await t.callFrom<User>(laptop, 'session.signIn', { username: 'julie', passphrase: 'handed over in person today' })).username).toBe('julie');
    const [event] = (await t.tandem.audit.list('user:julie')).filter((e) => e.action === 'user.passphraseReset');
    expect(event).toMatchObject({ actor: 'admin', detail: { sessionsEnded: 1 } });
    // Nothing of either passphrase is on the record.
    expect(JSON.stringify(await t.tandem.audit.list('user:julie'))).not.toContain('handed over');
  });

  it('an administrator cannot reset their own (they change it, giving the current one), nor can anyone else reset one', async () => {
    t = await startTestApp();
    const admin = (await t.call<{ user: User }>('session.current')).user;
    expect((await refusal(t.caller, 'users.resetPassphrase', { userId: admin.id, passphrase: 'a long enough passphrase' })).error?.code).toBe('user.resetSelf');
    await t.addUser('drafter', ['drafter']);
    await t.signInAs('drafter');
    expect((await refusal(t.caller, 'users.resetPassphrase', { userId: admin.id, passphrase: 'a long enough passphrase' })).error?.code).toBe('permission.denied');
  });

  it('everyone changes their own with the current one: other sessions end, this one stays', async () => {
    t = await startTestApp();
    await t.addUser('david', ['approver']);
    const phone: Caller = { client: 'david-other' };
    await t.signInAs('david', phone);
    await t.signInAs('david');

    expect((await refusal(t.caller, 'users.changePassphrase', { current: 'not my passphrase', passphrase: 'a brand new passphrase' })).error?.code).toBe(
      'user.wrongPassphrase',
    );
    expect((await refusal(t.caller, 'users.changePassphrase', { current: passphraseOf('david'), passphrase: 'short' })).error?.code).toBe('user.weakPassphrase');
    await t.call<User>('users.changePassphrase', { current: passphraseOf('david'), passphrase: 'a brand new passphrase' });

    expect((await t.call<{ user: User | null }>('session.current')).user?.username).toBe('david');
    expect((await t.callFrom<{ user: User | null }>(phone, 'session.current')).user).toBeNull();
    expect((await refusal(phone, 'session.signIn', { username: 'david', passphrase: 'a brand new passphrase' })).ok).toBe(true);
    // The wrong guess counts as a failed sign-in would (towards the lock), and is on the record.
    expect((await t.tandem.audit.list('user:david')).map((e) => e.action)).toEqual(expect.arrayContaining(['auth.failed', 'user.passphraseChanged']));
  });
});

describe('roles', () => {
  it('several are given at once, on one account pair with one end date — or none when one cannot be', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel('Agency');
    const agency = await t.addUser('agency', []);
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const grants = await t.call<Grant[]>('roles.grantSeveral', { userId: agency.id, roles: ['drafter', 'translator'], channelId, expiresAt: until });
    expect(grants.map((g) => [g.role, g.channelId, g.expiresAt])).toEqual([
      ['drafter', channelId, until],
      ['translator', channelId, until],
    ]);
    // Administrator applies to every account pair: asked with one, nothing at all is given.
    expect((await refusal(t.caller, 'roles.grantSeveral', { userId: agency.id, roles: ['approver', 'admin'], channelId, expiresAt: null })).error?.code).toBe(
      'role.invalidScope',
    );
    const after = (await t.call<User[]>('users.list')).find((u) => u.id === agency.id)!;
    expect(after.grants.map((g) => g.role).sort()).toEqual(['drafter', 'translator']);
    // The same role twice is bad input, not two grants.
    expect((await refusal(t.caller, 'roles.grantSeveral', { userId: agency.id, roles: ['drafter', 'drafter'], channelId, expiresAt: null })).error?.code).toBe(
      'input.invalid',
    );
  });
});

