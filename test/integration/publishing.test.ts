// The publishing path end to end below the UI: a real database (SQLite file or PostgreSQL), real
// keychain, real X adapter over loopback HTTP to a fake that verifies OAuth signatures.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pair } from '../../src/shared/domain';
import type { Result } from '../../src/shared/contract';
import { ApiFailure, passphraseOf, setDue, startTestApp, waitFor, type TestApp } from '../support';
import { XAdapter } from '../../src/main/platforms/x';
import { credentialsOf } from '../fakes/x-api';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await t.cleanup();
});

const tz = 'America/Toronto';
const pairs = async () => ((await t.tandem.dispatch(t.caller, 'pairs.list', undefined)) as Result<Pair[]> & { ok: true }).value;
const pairStatus = async (id: string) => (await pairs()).find((p) => p.id === id)?.status;

describe('publish now', () => {
  it('sends both languages, each to its own account, and records both as published', async () => {
    const channelId = await t.addChannel();
    const { id } = await t.publish(
      channelId,
      'New data on housing starts: https://www150.statcan.gc.ca/n1/en/daily',
      'Nouvelles données sur les mises en chantier : https://www150.statcan.gc.ca/n1/fr/quotidien',
    );
    await waitFor(async () => (await pairStatus(id)) === 'published', 5_000, 'published');

    expect(t.fake.postsBy(t.en.username).map((p) => p.text)).toEqual([
      'New data on housing starts: https://www150.statcan.gc.ca/n1/en/daily',
    ]);
    expect(t.fake.postsBy(t.fr.username).map((p) => p.text)).toEqual([
      'Nouvelles données sur les mises en chantier : https://www150.statcan.gc.ca/n1/fr/quotidien',
    ]);
    // The request is what X v2 expects: JSON body with text only.
    for (const post of t.fake.posts) {
      expect(post.contentType).toMatch(/^application\/json/);
      expect(post.body).toEqual({ text: post.text });
    }
    const pair = (await pairs()).find((p) => p.id === id)!;
    const en = pair.deliveries.find((d) => d.lang === 'en')!;
    const fr = pair.deliveries.find((d) => d.lang === 'fr')!;
    expect(en.remoteUrl).toBe(`https://x.com/${t.en.username}/status/${t.fake.postsBy(t.en.username)[0]!.id}`);
    expect(fr.remoteUrl).toBe(`https://x.com/${t.fr.username}/status/${t.fake.postsBy(t.fr.username)[0]!.id}`);
    expect(pair.skewMs).not.toBeNull();
    expect((await t.tandem.audit.list(id)).map((e) => e.action)).toEqual(
      expect.arrayContaining(['pair.created', 'pair.scheduled', 'delivery.sent', 'pair.published']),
    );
  });

  it('sends EN and FR concurrently: the second request leaves before the first is answered', async () => {
    const channelId = await t.addChannel();
    t.fake.responseDelayMs = 300;
    const { id } = await t.publish(channelId, 'Hello', 'Bonjour');
    await waitFor(async () => (await pairStatus(id)) === 'published', 5_000, 'published');
    const [a, b] = t.fake.posts.map((p) => p.receivedAt).sort((x, y) => x - y);
    expect(b! - a!).toBeLessThan(300);
  });
});

describe('schedule', () => {
  it('wakes at the due time and not before', async () => {
    const channelId = await t.addChannel();
    // Far enough ahead that scheduling it (four calls, round trips on PostgreSQL) ends well before.
    const at = new Date(Date.now() + 2_500).toISOString();
    const { id } = await t.publish(channelId, 'Later', 'Plus tard', new Date(at));
    expect(await t.tandem.publisher.nextDueAt()).toBe(Date.parse(at));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(at) - Date.now() - 500)));
    expect(t.fake.posts).toHaveLength(0);
    expect(await pairStatus(id)).toBe('scheduled');
    await waitFor(async () => (await pairStatus(id)) === 'published', 8_000, 'published');
    const sentAt = Math.min(...t.fake.posts.map((p) => p.receivedAt));
    expect(sentAt).toBeGreaterThanOrEqual(Date.parse(at));
  });

  it('refuses a time in the past and changes nothing', async () => {
    const channelId = await t.addChannel();
    await expect(t.publish(channelId, 'Past', 'Passé', new Date(Date.now() - 3_600_000))).rejects.toThrow('schedule.inPast');
    const [pair] = await pairs();
    expect(pair!.status).toBe('approved');
    expect(pair!.deliveries).toEqual([]);
  });

  it('a cancelled pair is never sent', async () => {
    const channelId = await t.addChannel();
    const { id } = await t.publish(channelId, 'Cancel me', 'Annulez-moi', new Date(Date.now() + 500));
    const cancelled = await t.tandem.dispatch(t.caller, 'pairs.cancel', { id });
    expect(cancelled.ok).toBe(true);
    expect(await t.tandem.publisher.nextDueAt()).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(t.fake.posts).toHaveLength(0);
    expect(await pairStatus(id)).toBe('cancelled');
  });
});

describe('offline', () => {
  it('drafting, review and approval need no network', async () => {
    const channelId = await t.addChannel();
    await t.fake.stop();
    let pair = await t.call<Pair>('pairs.create', { channelIds: [channelId], enText: 'Written on the train', frText: '', authorTz: tz });
    pair = await t.call<Pair>('pairs.update', { id: pair.id, version: pair.version, enText: 'Written on the train', frText: 'Rédigé dans le train' });
    pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
    pair = await t.call<Pair>('pairs.approve', { id: pair.id, version: pair.version, comment: 'Fine' });
    expect(pair.status).toBe('approved');
  });
});

describe('bad input gets a clear error and changes nothing', () => {
  it.each([
    ['empty FR side', { enText: 'Hello', frText: '   ' }, { code: 'text.empty', params: { lang: 'fr', platform: 'x' } }],
    ['empty EN side', { enText: '', frText: 'Bonjour' }, { code: 'text.empty', params: { lang: 'en', platform: 'x' } }],
    [
      'over-length EN text (X weighted length)',
      { enText: '字'.repeat(141), frText: 'Bonjour' },
      { code: 'text.tooLong', params: { lang: 'en', length: 282, max: 280, platform: 'x' } },
    ],
  ])('%s: cannot go to review, stays a draft, nothing is sent', async (_name, texts, error) => {
    const channelId = await t.addChannel();
    const failure = await t.publish(channelId, texts.enText, texts.frText).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiFailure);
    expect({ code: (failure as ApiFailure).code, params: (failure as ApiFailure).params }).toEqual(error);
    const [pair] = await pairs();
    expect(pair!.status).toBe('draft');
    expect(pair!.deliveries).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(t.fake.posts).toHaveLength(0);
  });

  it('unknown account pair', async () => {
    const result = await t.tandem.dispatch(t.caller, 'pairs.create', { channelIds: ['no-such-channel'], enText: 'Hi', frText: 'Salut', authorTz: tz });
    expect(result).toEqual({ ok: false, error: { code: 'channel.unknown', params: { id: 'no-such-channel' } } });
    expect(await pairs()).toHaveLength(0);
  });

  it('no account pair chosen', async () => {
    const result = await t.tandem.dispatch(t.caller, 'pairs.create', { channelIds: [], enText: 'Hi', frText: 'Salut', authorTz: tz });
    expect(result).toEqual({ ok: false, error: { code: 'channel.none' } });
  });

  it.each([
    ['unknown method', 'pairs.delete', { id: 'x' }],
    ['wrong types', 'pairs.create', { channelIds: 'abc', enText: 1, frText: null, authorTz: tz }],
    ['extra fields', 'pairs.create', { channelIds: [], enText: 'a', frText: 'b', authorTz: tz, status: 'published' }],
    ['unknown schedule mode', 'pairs.schedule', { id: 'x', version: 1, when: 'yesterday' }],
    ['not an object', 'pairs.cancel', 'abc'],
    ['oversized text', 'pairs.create', { channelIds: [], enText: 'a'.repeat(10_001), frText: 'b', authorTz: tz }],
  ])('malformed IPC payload: %s', async (_name, method, input) => {
    // Nothing written: no event on the trail, and on the desk not a byte more in the file.
    const written = async () => ({
      events: await t.tandem.sql.value<number>('SELECT COUNT(*) FROM audit_event'),
      fileSize: t.tandem.db ? fs.statSync(t.dbFile).size : null,
    });
    const before = await written();
    const result = await t.tandem.dispatch(t.caller, method, input);
    expect(result.ok).toBe(false);
    expect((result as { error: { code: string } }).error.code).toBe('input.invalid');
    expect(await pairs()).toHaveLength(0);
    expect(await written()).toEqual(before);
  });
});

describe('when one side fails', () => {
  it('retries a transient failure with backoff; the pair shows partially published meanwhile', async () => {
    const channelId = await t.addChannel();
    t.fake.failNext(t.fr.username, { status: 503, path: '/2/tweets' }, 2);
    const { id } = await t.publish(channelId, 'Transient', 'Passager');
    await waitFor(async () => (await pairStatus(id)) === 'partial', 3_000, 'partial');
    const partial = (await pairs()).find((p) => p.id === id)!;
    expect(partial.deliveries.find((d) => d.lang === 'fr')!.lastError).toEqual({
      code: 'platform.server',
      params: { status: 503, platform: 'x' },
    });
    await waitFor(async () => (await pairStatus(id)) === 'published', 5_000, 'published');
    const pair = (await pairs()).find((p) => p.id === id)!;
    expect(pair.deliveries.find((d) => d.lang === 'fr')!.attempt).toBe(3);
    expect(t.fake.postsBy(t.fr.username)).toHaveLength(1);
    expect(t.fake.postsBy(t.en.username)).toHaveLength(1);
  });

  it('a permanent refusal leaves the pair partially published until a person retries it', async () => {
    const channelId = await t.addChannel();
    t.fake.failNext(t.fr.username, {
      status: 403,
      body: JSON.stringify({ title: 'Forbidden', detail: 'You are not allowed to create a Tweet with duplicate content.', status: 403 }),
    });
    const { id } = await t.publish(channelId, 'Once', 'Une fois');
    await waitFor(async () => (await pairStatus(id)) === 'partial', 3_000, 'partial');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const pair = (await pairs()).find((p) => p.id === id)!;
    const fr = pair.deliveries.find((d) => d.lang === 'fr')!;
    expect(fr.status).toBe('failed');
    expect(fr.lastError).toEqual({ code: 'platform.duplicate', params: { platform: 'x' } });
    expect(pair.status).toBe('partial');

    const retried = await t.tandem.dispatch(t.caller, 'pairs.retry', { id });
    expect(retried.ok).toBe(true);
    await waitFor(async () => (await pairStatus(id)) === 'published', 3_000, 'published');
    expect(t.fake.postsBy(t.en.username)).toHaveLength(1);
    expect(t.fake.postsBy(t.fr.username)).toHaveLength(1);
  });

  it('refused credentials flag the account, hold its pairs, and both go out once it is re-authorised', async () => {
    const channelId = await t.addChannel();
    t.fake.failNext(t.fr.username, { status: 401, path: '/2/tweets' });
    const first = await t.publish(channelId, 'Auth', 'Autorisation');
    await waitFor(async () => (await pairStatus(first.id)) === 'partial', 3_000, 'partial');
    const channel = (await t.tandem.accounts.get(channelId))!;
    expect(channel.fr.status).toBe('needs_reauth');
    const fr = (await pairs()).find((p) => p.id === first.id)!.deliveries.find((d) => d.lang === 'fr')!;
    expect([fr.status, fr.lastError]).toEqual(['held', { code: 'account.unauthorized', params: { lang: 'fr', platform: 'x' } }]);

    // The next pair for this account is held whole: EN does not go out alone.
    const second = await t.publish(channelId, 'Second', 'Deuxième');
    await waitFor(async () => (await pairStatus(second.id)) === 'held', 3_000, 'held');
    expect(t.fake.postsBy(t.en.username).map((p) => p.text)).toEqual(['Auth']);
    // Releasing before re-authorisation is refused.
    expect(await t.tandem.dispatch(t.caller, 'pairs.release', { id: second.id, version: second.version })).toEqual({
      ok: false,
      error: { code: 'account.unauthorized', params: { lang: 'fr', platform: 'x' } },
    });

    await t.call('accounts.updateCredentials', { accountId: channel.fr.id, credentials: credentialsOf(t.fr) });
    expect((await t.tandem.accounts.get(channelId))!.fr.status).toBe('active');
    await t.call('pairs.release', { id: first.id, version: first.version });
    await t.call('pairs.release', { id: second.id, version: second.version });
    await waitFor(async () => (await pairStatus(first.id)) === 'published' && (await pairStatus(second.id)) === 'published', 5_000, 'both published');
    expect(t.fake.postsBy(t.fr.username).map((p) => p.text).sort()).toEqual(['Autorisation', 'Deuxième']);
    expect(t.fake.postsBy(t.en.username).map((p) => p.text).sort()).toEqual(['Auth', 'Second']);
  });

  it('waits out a 429 until x-rate-limit-reset, then sends', async () => {
    const channelId = await t.addChannel();
    const reset = Math.ceil(Date.now() / 1000) + 2;
    t.fake.failNext(t.fr.username, { status: 429, path: '/2/tweets', headers: { 'x-rate-limit-reset': String(reset), 'x-rate-limit-remaining': '0' } });
    const { id } = await t.publish(channelId, 'Rate', 'Débit');
    await waitFor(async () => (await pairStatus(id)) === 'partial', 3_000, 'partial');
    const fr = (await pairs()).find((p) => p.id === id)!.deliveries.find((d) => d.lang === 'fr')!;
    expect(fr.status).toBe('retrying');
    expect(Date.parse(fr.nextAttemptAt!)).toBe(reset * 1000);
    await waitFor(async () => (await pairStatus(id)) === 'published', 6_000, 'published after reset');
    expect(t.fake.postsBy(t.fr.username)[0]!.receivedAt).toBeGreaterThanOrEqual(reset * 1000);
  });

  it('checks with X after a timeout rather than posting twice', async () => {
    const channelId = await t.addChannel();
    // X makes the post but answers too late: the adapter times out (2 s in these tests).
    t.fake.responseDelayMs = 2_500;
    const { id } = await t.publish(channelId, 'Slow answer', 'Réponse lente');
    await waitFor(async () => (await pairs()).find((p) => p.id === id)?.deliveries.every((d) => d.status === 'checking'), 5_000, 'checking');
    t.fake.responseDelayMs = 0;
    await waitFor(async () => (await pairStatus(id)) === 'published', 5_000, 'published');
    expect(t.fake.postsBy(t.en.username)).toHaveLength(1);
    expect(t.fake.postsBy(t.fr.username)).toHaveLength(1);
    expect((await t.tandem.audit.list(id)).filter((e) => e.action === 'delivery.reconciled')).toHaveLength(2);
  });

  it('treats a malformed answer as unknown and checks before resending', async () => {
    const channelId = await t.addChannel();
    t.fake.failNext(t.en.username, { status: 201, body: '{"data": {"id": 12', path: '/2/tweets' });
    const { id } = await t.publish(channelId, 'Garbled', 'Brouillé');
    await waitFor(async () => (await pairStatus(id)) === 'published', 5_000, 'published');
    // The garbled answer came from a request the fake did not record as a post: so it is sent once.
    expect(t.fake.postsBy(t.en.username)).toHaveLength(1);
    const en = (await pairs()).find((p) => p.id === id)!.deliveries.find((d) => d.lang === 'en')!;
    expect(en.attempt).toBe(2);
  });

  it('while X is unreachable, waits without using up attempts and sends when it is back', async () => {
    const channelId = await t.addChannel();
    const port = Number(new URL(t.fake.url).port);
    await t.fake.stop();
    const { id } = await t.publish(channelId, 'Offline', 'Hors ligne');
    await waitFor(async () => (await pairs()).find((p) => p.id === id)?.deliveries.every((d) => d.status === 'retrying'), 3_000, 'waiting');
    const waiting = (await pairs()).find((p) => p.id === id)!;
    expect(waiting.deliveries.map((d) => [d.attempt, d.lastError?.code])).toEqual([
      [0, 'platform.network'],
      [0, 'platform.network'],
    ]);
    await t.fake.start(port);
    await waitFor(async () => (await pairStatus(id)) === 'published', 5_000, 'published when back');
    expect(t.fake.posts).toHaveLength(2);
  });

  it('validates both sides before sending either: a missing FR credential holds the EN post back', async () => {
    const channelId = await t.addChannel();
    const channel = (await t.tandem.accounts.get(channelId))!;
    const keytar = (await import('keytar')).default;
    await keytar.deletePassword(t.service, channel.fr.id);
    const { id } = await t.publish(channelId, 'Alone?', 'Seul?');
    await waitFor(async () => (await pairStatus(id)) === 'failed', 3_000, 'failed');
    const pair = (await pairs()).find((p) => p.id === id)!;
    expect(pair.deliveries.find((d) => d.lang === 'fr')!.lastError).toEqual({
      code: 'account.noCredentials',
      params: { handle: t.fr.username },
    });
    expect(pair.deliveries.find((d) => d.lang === 'en')!.lastError).toEqual({
      code: 'delivery.heldForTwin',
      params: { lang: 'en' },
    });
    expect(t.fake.posts).toHaveLength(0);
  });
});

describe('after a crash', () => {
  it('asks X what happened to a delivery left mid-send: one that landed is recorded, one that did not is sent', async () => {
    const channelId = await t.addChannel();
    const { id } = await t.publish(channelId, 'Crash test, EN', 'Essai de panne, FR', new Date(Date.now() + 3_600_000));
    // The state a kill -9 during the network calls leaves: both claimed, and only EN reached X.
    await t.whileClosed(async (sql) => {
      await sql.run("UPDATE delivery SET status = 'sending', attempt = 1, claimed_at = ? WHERE pair_id = ?", [Date.now(), id]);
      await sql.run("UPDATE post_pair SET status = 'publishing' WHERE id = ?", [id]);
    });
    const landed = await new XAdapter({ apiBase: t.fake.url }).publish({
      text: 'Crash test, EN',
      lang: 'en',
      handle: t.en.username,
      credentials: credentialsOf(t.en),
      media: [],
      key: '3kabcdefghij2',
    });

    const again = t.reopen();
    // A restart signs everyone out; recovery needs no one signed in.
    expect(await again.users.context(t.caller.client)).toEqual({ client: t.caller.client, session: null, person: null });
    await waitFor(async () => (await again.pairs.get(id))?.status === 'published', 5_000, 'published after recovery');
    expect(t.fake.postsBy(t.en.username).map((p) => p.text)).toEqual(['Crash test, EN']);
    expect(t.fake.postsBy(t.fr.username).map((p) => p.text)).toEqual(['Essai de panne, FR']);
    const pair = (await again.pairs.get(id))!;
    expect(pair.deliveries.find((d) => d.lang === 'en')!.remoteId).toBe(landed.remoteId);
    expect((await again.audit.list(id)).map((e) => e.action)).toEqual(
      expect.arrayContaining(['delivery.interrupted', 'delivery.reconciled', 'delivery.sent', 'pair.published']),
    );
  });

  it('while X cannot be asked, sends nothing; after a few tries it says so, and Retry asks again', async () => {
    const channelId = await t.addChannel();
    const { id } = await t.publish(channelId, 'Unknown fate', 'Sort inconnu', new Date(Date.now() + 3_600_000));
    await t.whileClosed(async (sql) => {
      await sql.run("UPDATE delivery SET status = 'sending', attempt = 1, claimed_at = ? WHERE pair_id = ?", [Date.now(), id]);
    });
    for (const user of [t.en.username, t.fr.username]) {
      t.fake.failNext(user, { status: 503, path: `/2/users/${user === t.en.username ? t.en.userId : t.fr.userId}/tweets` }, 1_000);
    }
    const again = t.reopen();
    // Asked a bounded number of times (maxAttempts is 4 here), never sent blindly meanwhile.
    await waitFor(async () => (await again.pairs.get(id))?.status === 'failed', 10_000, 'gave up asking');
    const failed = (await again.pairs.get(id))!;
    expect(failed.deliveries.map((d) => [d.status, d.attempt, d.lastError?.code])).toEqual([
      ['failed', 1, 'platform.server'],
      ['failed', 1, 'platform.server'],
    ]);
    expect(t.fake.requests.filter((r) => r.status === 503)).toHaveLength(8);
    expect(t.fake.posts).toHaveLength(0);
    // Once X answers, a publisher's Retry checks again before anything is sent.
    t.fake.clearFaults();
    await again.dispatch(t.caller, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') });
    expect((await again.dispatch(t.caller, 'pairs.retry', { id })).ok).toBe(true);
    await waitFor(async () => (await again.pairs.get(id))?.status === 'published', 5_000, 'published once X answers');
    expect(t.fake.posts).toHaveLength(2);
  });

  it('when there are too many recent posts to tell, it stops and asks; Retry then sends', async () => {
    const channelId = await t.addChannel();
    const { id } = await t.publish(channelId, 'Busy account', 'Compte occupé', new Date(Date.now() + 3_600_000));
    await t.whileClosed(async (sql) => {
      await setDue(sql, id, Date.now());
      await sql.run("UPDATE delivery SET status = 'sending', attempt = 1, claimed_at = ? WHERE pair_id = ? AND lang = 'fr'", [Date.now(), id]);
    });
    // Every page of the FR account's timeline says there is another page.
    t.fake.failNext(t.fr.username, { status: 200, body: JSON.stringify({ meta: { result_count: 0, next_token: 'more' } }), path: `/2/users/${t.fr.userId}/tweets` }, 10);
    const again = t.reopen();
    await waitFor(async () => (await again.pairs.get(id))?.status === 'partial', 10_000, 'EN out, FR waiting for a person');
    const fr = (await again.pairs.get(id))!.deliveries.find((d) => d.lang === 'fr')!;
    expect([fr.status, fr.lastError]).toEqual(['failed', { code: 'platform.lookupIncomplete', params: { platform: 'x' } }]);
    // Asked once (ten pages), not again and again.
    expect(t.fake.requests.filter((r) => r.path === `/2/users/${t.fr.userId}/tweets`)).toHaveLength(10);
    expect(t.fake.postsBy(t.fr.username)).toHaveLength(0);
    // The person looked at the account and the post is not there: Retry sends it.
    await again.dispatch(t.caller, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') });
    expect((await again.dispatch(t.caller, 'pairs.retry', { id })).ok).toBe(true);
    await waitFor(async () => (await again.pairs.get(id))?.status === 'published', 5_000, 'published after the person checked');
    expect(t.fake.postsBy(t.fr.username).map((p) => p.text)).toEqual(['Compte occupé']);
  });
});

describe('missed while closed or asleep', () => {
  it('holds a pair found due past the grace period until a publisher confirms it', async () => {
    const channelId = await t.addChannel();
    const { id, version } = await t.publish(channelId, 'Yesterday’s news', 'Les nouvelles d’hier', new Date(Date.now() + 3_600_000));
    // The app was closed when it fell due, two hours ago.
    await t.whileClosed((sql) => setDue(sql, id, Date.now() - 2 * 3_600_000));

    const again = t.reopen();
    await waitFor(async () => (await again.pairs.get(id))?.status === 'held', 3_000, 'held');
    const held = (await again.pairs.get(id))!;
    expect(held.deliveries.map((d) => [d.status, d.lastError])).toEqual([
      ['held', { code: 'schedule.missed', params: { minutes: 120 } }],
      ['held', { code: 'schedule.missed', params: { minutes: 120 } }],
    ]);
    expect(t.fake.posts).toHaveLength(0);

    const result = await again.dispatch(t.caller, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') });
    expect(result.ok).toBe(true);
    const released = await again.dispatch(t.caller, 'pairs.release', { id, version });
    expect(released.ok).toBe(true);
    await waitFor(async () => (await again.pairs.get(id))?.status === 'published', 5_000, 'published after confirmation');
    expect(t.fake.posts).toHaveLength(2);
  });

  it('uses the grace period the administrator set', async () => {
    const channelId = await t.addChannel();
    expect(await t.call('settings.get')).toMatchObject({ graceMinutes: 15 });
    expect(await t.call('settings.update', { graceMinutes: 1 })).toMatchObject({ graceMinutes: 1 });
    const { id } = await t.publish(channelId, 'Two minutes late', 'Deux minutes de retard', new Date(Date.now() + 3_600_000));
    await setDue(t.tandem.sql, id, Date.now() - 120_000);
    await t.tandem.publisher.wake();
    await waitFor(async () => (await t.tandem.pairs.get(id))?.status === 'held', 3_000, 'held after 1 minute');
    expect((await t.tandem.audit.list('settings')).map((e) => [e.action, e.detail])).toEqual([
      ['settings.changed', { graceMinutes: 1, was: 15 }],
    ]);
    expect(t.fake.posts).toHaveLength(0);
  });

  it('sends a pair a little late (within the grace period) without asking', async () => {
    const channelId = await t.addChannel();
    const { id } = await t.publish(channelId, 'Slightly late', 'Un peu en retard', new Date(Date.now() + 3_600_000));
    await t.whileClosed((sql) => setDue(sql, id, Date.now() - 5 * 60_000));
    const again = t.reopen();
    await waitFor(async () => (await again.pairs.get(id))?.status === 'published', 5_000, 'published');
  });
});

describe('secrets', () => {
  it('never reach the database or the log', async () => {
    await t.addChannel();
    await t.tandem.dispatch(t.caller, 'pairs.create', { channelIds: [], enText: 'x', frText: 'y', authorTz: tz });
    await t.tandem.dispatch(t.caller, 'accounts.addPair', { platform: 'x', name: 'Bad', en: { handle: 'a', displayName: 'a', credentials: { platform: 'x', appKey: t.en.appKey, appSecret: t.en.appSecret, accessToken: t.en.accessToken, accessSecret: 'wrong-secret' } }, fr: 'oops' });
    // The desk's SQLite file, its WAL folded in, and every other file beside it.
    t.tandem.db?.pragma('wal_checkpoint(TRUNCATE)');
    const files = fs.readdirSync(t.dir).map((name) => fs.readFileSync(`${t.dir}/${name}`).toString('latin1'));
    // A server's database: every row of every table, as text.
    if (t.tandem.sql.engine === 'postgres') {
      const tables = await t.tandem.sql.all<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
      );
      expect(tables.map((r) => r.name)).toContain('account');
      for (const { name } of tables) {
        const rows = await t.tandem.sql.all<{ line: string }>(`SELECT CAST(r AS TEXT) AS line FROM "${name}" r`);
        files.push(rows.map((r) => r.line).join('\n'));
      }
    }
    const everything = files.join('\n') + t.logLines.join('\n');
    for (const account of [t.en, t.fr]) {
      for (const secret of [account.appSecret, account.accessToken, account.accessSecret]) {
        expect(everything).not.toContain(secret);
      }
    }
  });
});

describe('content checks set to block', () => {
  it('stop approval and publishing, and a pair that became blocked after approval is not sent', async () => {
    const channelId = await t.addChannel();
    // Personal information blocks by default.
    let pair = await t.call<Pair>('pairs.create', { channelIds: [channelId], enText: 'Call Marie at 613-555-0199', frText: 'Appelez Marie au 613-555-0199', authorTz: tz });
    pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
    expect(await t.tandem.dispatch(t.caller, 'pairs.approve', { id: pair.id, version: pair.version, comment: 'ok' })).toEqual({
      ok: false,
      error: { code: 'checks.blocked', params: { check: 'pii', count: 2 } },
    });
    expect((await t.tandem.pairs.get(pair.id))!.status).toBe('review');
    expect((await t.tandem.audit.list(pair.id)).at(-1)).toMatchObject({ action: 'checks.blocked', detail: { action: 'pair.approve', checks: ['pii', 'pii'] } });

    // The department's own number, once allow-listed, passes.
    const settings = await t.call<{ checks: { severity: Record<string, string> } }>('settings.get');
    await t.call('settings.update', { checks: { ...settings.checks, piiAllowList: ['613-555-0199'], flaggedTerms: [] } });
    pair = await t.call<Pair>('pairs.approve', { id: pair.id, version: pair.version, comment: 'ok' });
    expect(pair.status).toBe('approved');

    // An admin makes flagged terms block after approval: scheduling is refused...
    await t.call('settings.update', {
      checks: { severity: { ...settings.checks.severity, 'terms.flagged': 'block' }, piiAllowList: ['613-555-0199'], flaggedTerms: ['Marie'] },
    });
    expect(await t.tandem.dispatch(t.caller, 'pairs.schedule', { id: pair.id, version: pair.version, when: 'now' })).toMatchObject({
      ok: false,
      error: { code: 'checks.blocked', params: { check: 'terms.flagged' } },
    });

    // ...and a pair already scheduled is stopped before sending.
    await t.call('settings.update', { checks: { ...settings.checks, piiAllowList: ['613-555-0199'], flaggedTerms: [] } });
    const scheduled = await t.call<Pair>('pairs.schedule', { id: pair.id, version: pair.version, when: 'at', scheduledAt: new Date(Date.now() + 600).toISOString() });
    expect(scheduled.status).toBe('scheduled');
    await t.call('settings.update', {
      checks: { severity: { ...settings.checks.severity, 'terms.flagged': 'block' }, piiAllowList: ['613-555-0199'], flaggedTerms: ['Marie'] },
    });
    await waitFor(async () => (await t.tandem.pairs.get(pair.id))?.status === 'failed', 5_000, 'failed before sending');
    expect((await t.tandem.pairs.get(pair.id))!.deliveries.map((d) => d.lastError)).toEqual([
      { code: 'checks.blocked', params: { check: 'terms.flagged', count: 2 } },
      { code: 'checks.blocked', params: { check: 'terms.flagged', count: 2 } },
    ]);
    expect(t.fake.posts).toHaveLength(0);

    // Nothing was attempted, so the text can be fixed: back to review, ready to approve again.
    const failed = (await t.tandem.pairs.get(pair.id))!;
    const fixed = await t.call<Pair>('pairs.update', { id: pair.id, version: failed.version, enText: 'Call us at 613-555-0199', frText: 'Appelez-nous au 613-555-0199' });
    expect([fixed.status, fixed.deliveries]).toEqual(['review', []]);
  });
});
