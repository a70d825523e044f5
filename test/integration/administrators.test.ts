// Tandem always keeps someone who can administer it: no change may leave it without an active
// administrator role that does not end by itself.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support';
import type { User } from '../../src/shared/domain';

let t: TestApp;
afterEach(async () => t?.cleanup());

describe('the last permanent administrator', () => {
  it('cannot be revoked while the only other administrator role ends on a date', async () => {
    t = await startTestApp();
    const admin = (await t.call<{ user: User }>('session.current')).user;
    const permanent = admin.grants.find((g) => g.role === 'admin')!;
    const inAMinute = new Date(Date.now() + 60_000).toISOString();
    const agency = await t.addUser('agency', ['admin'], { expiresAt: inAMinute });

    expect(await t.tandem.dispatch(t.caller, 'roles.revoke', { grantId: permanent.id })).toEqual({ ok: false, error: { code: 'role.lastAdmin' } });
    // Nothing changed, and the refusal is on the record.
    const after = (await t.call<User[]>('users.list')).find((u) => u.id === admin.id)!;
    expect(after.grants.find((g) => g.id === permanent.id)!.revokedAt).toBeNull();
    expect((await t.tandem.audit.list(`grant:${permanent.id}`)).map((e) => e.action)).toEqual(['permission.denied']);

    // The agency's role, which ends by itself, can be revoked: it never was the one keeping Tandem administrable.
    const agencyGrant = agency.grants.find((g) => g.role === 'admin')!;
    expect((await t.tandem.dispatch(t.caller, 'roles.revoke', { grantId: agencyGrant.id })).ok).toBe(true);
  });

  it('can be revoked once another person holds an administrator role with no end date', async () => {
    t = await startTestApp();
    const admin = (await t.call<{ user: User }>('session.current')).user;
    const permanent = admin.grants.find((g) => g.role === 'admin')!;
    await t.addUser('root2', ['admin']);
    expect((await t.tandem.dispatch(t.caller, 'roles.revoke', { grantId: permanent.id })).ok).toBe(true);
    // root2's role is now the last permanent one.
    await t.signInAs('root2');
    const root2 = (await t.call<{ user: User }>('session.current')).user;
    const theirs = root2.grants.find((g) => g.role === 'admin')!;
    expect(await t.tandem.dispatch(t.caller, 'roles.revoke', { grantId: theirs.id })).toEqual({ ok: false, error: { code: 'role.lastAdmin' } });
  });
});
