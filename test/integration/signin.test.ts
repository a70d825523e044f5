// Guessing passphrases: five wrong tries lock the username for fifteen minutes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { passphraseOf, startTestApp, type TestApp } from '../support';

let offset = 0;
const clock = { now: () => Date.now() + offset };
let t: TestApp;
beforeEach(async () => {
  offset = 0;
  t = await startTestApp({ clock });
  await t.addUser('dana', ['drafter']);
  await t.call('session.signOut');
});
afterEach(async () => {
  await t.cleanup();
});

const signIn = (passphrase: string) => t.tandem.dispatch(t.caller, 'session.signIn', { username: 'dana', passphrase });

describe('sign-in throttling', () => {
  it('locks a username after five wrong passphrases, even against the right one, for fifteen minutes', async () => {
    for (let i = 0; i < 5; i++) expect(await signIn('wrong passphrase!')).toEqual({ ok: false, error: { code: 'auth.invalid' } });
    expect(await signIn(passphraseOf('dana'))).toEqual({ ok: false, error: { code: 'auth.locked', params: { minutes: 15 } } });
    expect((await t.tandem.audit.list('user:dana')).map((e) => e.action).slice(-2)).toEqual(['auth.failed', 'auth.locked']);
    // Another username is not affected.
    expect((await t.tandem.dispatch(t.caller, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') })).ok).toBe(true);
    await t.call('session.signOut');

    offset = 16 * 60_000;
    expect((await signIn(passphraseOf('dana'))).ok).toBe(true);
  });

  it('a successful sign-in resets the count', async () => {
    for (let i = 0; i < 4; i++) await signIn('wrong passphrase!');
    expect((await signIn(passphraseOf('dana'))).ok).toBe(true);
    await t.call('session.signOut');
    for (let i = 0; i < 4; i++) await signIn('wrong passphrase!');
    expect((await signIn(passphraseOf('dana'))).ok).toBe(true);
  });
});
