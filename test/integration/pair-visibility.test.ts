// A caller learns nothing about a pair they may not see: the role check comes first, and a pair
// outside their view answers exactly as a pair that does not exist. Push events carry only the
// ids of pairs the signed-in person may see.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setDue, startTestApp, waitFor, type TestApp } from '../support';
import { fakeAccount, fakeApp } from '../fakes/x-api';
import type { Pair } from '../../src/shared/domain';

const tz = 'America/Toronto';
let t: TestApp;
let a: string;
let b: string;

beforeEach(async () => {
  t = await startTestApp();
  a = await t.addChannel('A');
  const app = fakeApp();
  b = await t.addChannel('B', { accounts: { en: fakeAccount(t.fake, 'B_eng', app), fr: fakeAccount(t.fake, 'B_fra', app) } });
});
afterEach(async () => t.cleanup());

/** Every call that names a pair, with a guess at its version. */
const probes = (id: string, version: number) =>
  [
    ['pairs.update', { id, version, enText: 'x', frText: 'y' }],
    ['pairs.requestTranslation', { id, version }],
    ['pairs.submitForReview', { id, version }],
    ['pairs.approve', { id, version, comment: 'ok' }],
    ['pairs.reject', { id, version, comment: 'no' }],
    ['pairs.schedule', { id, version, when: 'now' }],
    ['pairs.cancel', { id }],
    ['pairs.retry', { id }],
    ['pairs.release', { id, version }],
    ['pairs.metrics', { id }],
  ] as const;

async function answers(id: string, version: number) {
  const out: unknown[] = [];
  for (const [method, input] of probes(id, version)) out.push(await t.tandem.dispatch(t.caller, method, input));
  return out;
}

describe('a pair the caller may not see', () => {
  it('answers exactly as a pair that does not exist, whatever version is guessed, for someone with no role', async () => {
    const pair = await t.publish(b, 'Embargoed release', 'Diffusion sous embargo', new Date(Date.now() + 3_600_000));
    await t.addUser('nobody', []);
    await t.signInAs('nobody');
    const missing = await answers('no-such-pair', 1);
    expect(missing.every((r) => JSON.stringify(r) === JSON.stringify({ ok: false, error: { code: 'pair.unknown' } }))).toBe(true);
    // Right version or wrong version, the existing pair is indistinguishable from a missing one:
    // no pair.stale, no pair.wrongState with its status.
    expect(await answers(pair.id, pair.version)).toEqual(missing);
    expect(await answers(pair.id, pair.version + 7)).toEqual(missing);
  });

  it('answers as a missing pair to someone whose roles cover only another account pair', async () => {
    const onB = await t.call<Pair>('pairs.create', { channelIds: [b], enText: 'On B', frText: 'Sur B', authorTz: tz });
    await t.addUser('scoped', ['drafter', 'translator', 'approver', 'publisher'], { channelId: a });
    await t.signInAs('scoped');
    expect(await answers(onB.id, onB.version)).toEqual(await answers('no-such-pair', 1));
    // Their own account pair works as before.
    const onA = await t.call<Pair>('pairs.create', { channelIds: [a], enText: 'On A', frText: 'Sur A', authorTz: tz });
    expect(await t.tandem.dispatch(t.caller, 'pairs.update', { id: onA.id, version: onA.version + 1, enText: 'x', frText: 'y' })).toEqual({
      ok: false,
      error: { code: 'pair.stale' },
    });
  });
});

describe('pairs.changed events', () => {
  it('tell a scoped person only about pairs on their account pairs, and a signed-out window nothing', async () => {
    const seen: string[][] = [];
    const heard: string[] = [];
    const unsubscribe = t.tandem.events.subscribe(t.caller.client, (event, payload) => {
      heard.push(event);
      if (event === 'pairs.changed') seen.push([...(payload as { pairIds: string[] }).pairIds]);
    });
    try {
      const later = new Date(Date.now() + 3_600_000);
      const onA = await t.publish(a, 'Visible to them', 'Visible pour eux', later);
      const onB = await t.publish(b, 'Not for them', 'Pas pour eux', later);
      await t.addUser('scoped', ['drafter'], { channelId: a });
      await t.signInAs('scoped');
      seen.length = 0;

      // Both pairs go out while the scoped person is signed in.
      await setDue(t.tandem.sql, onA.id, Date.now());
      await setDue(t.tandem.sql, onB.id, Date.now());
      await t.tandem.publisher.wake();
      await waitFor(() => t.fake.postsBy(t.en.username).length === 1 && t.fake.postsBy('B_eng').length === 1, 8_000, 'both sent');
      await waitFor(() => seen.flat().includes(onA.id), 5_000, 'an event about A');
      // Both recorded as published, and every event about them told (each window hears its events
      // in order: once one emitted after them is heard, they were all decided).
      await waitFor(
        async () => (await t.tandem.pairs.get(onA.id))?.status === 'published' && (await t.tandem.pairs.get(onB.id))?.status === 'published',
        8_000,
        'both published',
      );
      heard.length = 0;
      t.tandem.events.emit('session.changed', {}, t.caller.client);
      await waitFor(() => heard.includes('session.changed'), 5_000, 'the events before it');
      expect(seen.flat()).not.toContain(onB.id);
      expect(seen.every((ids) => ids.length > 0)).toBe(true);

      // Signed out, the window is told of no pair at all.
      await t.call('session.signOut');
      seen.length = 0;
      heard.length = 0;
      t.tandem.events.emit('pairs.changed', { pairIds: [onA.id, onB.id] });
      // Scoping an event may read the database; each window hears its events in order, so once
      // the one emitted after it is heard, the pairs.changed before it was decided.
      t.tandem.events.emit('session.changed', {}, t.caller.client);
      await waitFor(() => heard.includes('session.changed'), 5_000, 'the event after it');
      expect(seen).toEqual([]);
    } finally {
      unsubscribe();
    }
  });
});

