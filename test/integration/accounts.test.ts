// Registering an EN/FR account pair: credentials are checked with X before anything is kept,
// then live only in the keychain.
import keytar from 'keytar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/shared/domain';
import { credentialsOf, fakeAccount } from '../fakes/x-api';
import { startTestApp, type TestApp } from '../support';

/** What the keychain holds for account credentials (the audit trail's key lives there too). */
const storedCredentials = async () => (await keytar.findCredentials(t.service)).filter((c) => c.account !== 'audit-key');

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await t.cleanup();
});

const side = (account: TestApp['en'], handle = account.username) => ({
  handle,
  displayName: handle,
  credentials: credentialsOf(account),
});
const addPair = (en: ReturnType<typeof side>, fr: ReturnType<typeof side>) =>
  t.tandem.dispatch(t.caller, 'accounts.addPair', { platform: 'x', name: 'StatCan', en, fr });
const channels = async () => ((await t.tandem.dispatch(t.caller, 'accounts.list', undefined)) as { value: Channel[] }).value;

describe('adding an account pair', () => {
  it('verifies both accounts with X, keeps the credentials in the keychain and lists the pair', async () => {
    const result = await addPair(side(t.en, `@${t.en.username}`), side(t.fr));
    expect(result.ok).toBe(true);
    const [channel] = await channels();
    expect(channel).toMatchObject({ name: 'StatCan', platform: 'x', en: { handle: t.en.username, lang: 'en', status: 'active' }, fr: { handle: t.fr.username, lang: 'fr' } });
    expect(JSON.parse((await keytar.getPassword(t.service, channel!.en.id))!)).toEqual(credentialsOf(t.en));
    expect(JSON.parse((await keytar.getPassword(t.service, channel!.fr.id))!)).toEqual(credentialsOf(t.fr));
    const accountEvents = (await t.tandem.audit.list()).filter((e) => /^(channel|credential)\./.test(e.action));
    expect(accountEvents.map((e) => [e.actor, e.action])).toEqual([
      ['admin', 'channel.added'],
      ['admin', 'credential.set'],
      ['admin', 'credential.set'],
    ]);
    expect(t.fake.requests.filter((r) => r.path === '/2/users/me')).toHaveLength(2);
  });

  it('refuses credentials that belong to another account, and keeps nothing', async () => {
    const result = await addPair(side(t.en), side(t.en, t.fr.username));
    expect(result).toEqual({
      ok: false,
      error: { code: 'account.handleMismatch', params: { lang: 'fr', expected: t.fr.username, actual: t.en.username, platform: 'x' } },
    });
    expect(await channels()).toEqual([]);
    expect(await storedCredentials()).toEqual([]);
  });

  it('refuses credentials X does not accept, naming the language', async () => {
    const result = await addPair(side(t.en), { ...side(t.fr), credentials: { ...credentialsOf(t.fr), accessSecret: 'nope' } });
    expect(result).toEqual({ ok: false, error: { code: 'account.unauthorized', params: { lang: 'fr', platform: 'x' } } });
    expect(await channels()).toEqual([]);
    expect(await storedCredentials()).toEqual([]);
  });

  it('refuses a handle already registered, and the same handle on both sides', async () => {
    expect((await addPair(side(t.en), side(t.fr))).ok).toBe(true);
    const other = fakeAccount(t.fake, 'Other_fra');
    expect(await addPair(side(t.en), side(other))).toEqual({
      ok: false,
      error: { code: 'account.handleTaken', params: { handle: t.en.username } },
    });
    expect(await addPair(side(other), side(other))).toEqual({
      ok: false,
      error: { code: 'account.handleTaken', params: { handle: 'Other_fra' } },
    });
    expect(await channels()).toHaveLength(1);
  });

  it('reports an unreachable X as a network problem and keeps nothing', async () => {
    await t.fake.stop();
    const result = await addPair(side(t.en), side(t.fr));
    expect(result.ok).toBe(false);
    expect((result as { error: { code: string } }).error.code).toBe('platform.network');
    expect(await channels()).toEqual([]);
  });

  it('refuses malformed handles and missing credentials before calling X', async () => {
    const result = await addPair(side(t.en, 'not a handle!'), side(t.fr));
    expect(result).toMatchObject({ ok: false, error: { code: 'input.invalid' } });
    const missing = await t.tandem.dispatch(t.caller, 'accounts.addPair', {
      platform: 'x',
      name: 'StatCan',
      en: side(t.en),
      fr: { ...side(t.fr), credentials: { platform: 'x', appKey: 'k' } },
    });
    expect(missing).toMatchObject({ ok: false, error: { code: 'input.invalid' } });
    expect(t.fake.requests).toEqual([]);
  });
});
