// Several people signed in to one Tandem at the same time, each from their own client (a window,
// a browser): every call acts as the person signed in on the client it came from, signing out
// ends that client's session only, and push events reach each client with only what its person
// may see. What a team's server will need; the desk has one window and the same rules.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiFailure, startTestApp, waitFor, type TestApp } from '../support';
import { fakeAccount, fakeApp } from '../fakes/x-api';
import type { EventName } from '../../src/shared/methods';
import type { Caller } from '../../src/main/services/context';
import type { Pair, User } from '../../src/shared/domain';

const tz = 'America/Toronto';
let t: TestApp;
let a: string;
let b: string;
/** The admin's window is the test's own client; the drafter and the approver each have theirs. */
let admin: Caller;
const drafter: Caller = { client: 'window-of-dana' };
const approver: Caller = { client: 'window-of-alice' };
const stranger: Caller = { client: 'window-nobody-signed-in-on' };

beforeEach(async () => {
  t = await startTestApp();
  admin = t.caller;
  a = await t.addChannel('A');
  const app = fakeApp();
  b = await t.addChannel('B', {
    accounts: { en: fakeAccount(t.fake, 'B_eng', app), fr: fakeAccount(t.fake, 'B_fra', app) },
  });
  await t.addUser('dana', ['drafter'], { channelId: a });
  await t.addUser('alice', ['approver'], { channelId: b });
  await t.signInAs('dana', drafter);
  await t.signInAs('alice', approver);
});
afterEach(async () => t.cleanup());

const whoIs = async (caller: Caller) =>
  (await t.callFrom<{ user: User | null }>(caller, 'session.current')).user?.username ?? null;
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => (error instanceof ApiFailure ? error.code : String(error)),
  );
const create = (caller: Caller, channelId: string, text: string) =>
  t.callFrom<Pair>(caller, 'pairs.create', {
    channelIds: [channelId],
    enText: text,
    frText: `${text} FR`,
    authorTz: tz,
  });
const listed = async (caller: Caller) => (await t.callFrom<Pair[]>(caller, 'pairs.list')).map((p) => p.enText).sort();

describe('several people signed in at once', () => {
  it('each call acts as the person signed in on the client it came from, however the calls interleave', async () => {
    expect([await whoIs(admin), await whoIs(drafter), await whoIs(approver), await whoIs(stranger)]).toEqual([
      'admin',
      'dana',
      'alice',
      null,
    ]);
    const onB = await create(admin, b, 'For review on B');
    const submitted = await t.call<Pair>('pairs.submitForReview', { id: onB.id, version: onB.version });

    // All at once: the drafter writes on A and tries B, the approver approves on B and tries to
    // write, the admin manages people; each gets their own answer.
    const [danaOnA, danaOnB, approved, aliceWrites, people, danaPeople] = await Promise.all([
      create(drafter, a, 'Drafted by Dana on A'),
      refusal(create(drafter, b, 'Dana tries B')),
      t.callFrom<Pair>(approver, 'pairs.approve', {
        id: submitted.id,
        version: submitted.version,
        comment: 'Good to go',
      }),
      refusal(create(approver, b, 'Alice tries to write')),
      t.call<User[]>('users.list'),
      refusal(t.callFrom(drafter, 'users.list')),
    ]);
    expect(danaOnA.createdBy).toBe('dana');
    expect(danaOnB).toBe('permission.denied');
    expect(approved.approval).toMatchObject({ by: 'alice', decision: 'approved' });
    expect(aliceWrites).toBe('permission.denied');
    expect(people.map((u) => u.username).sort()).toEqual(['admin', 'alice', 'dana']);
    expect(danaPeople).toBe('permission.denied');

    // Each sees only the pairs of their own account pairs, asked in the same breath.
    const [adminSees, danaSees, aliceSees] = await Promise.all([listed(admin), listed(drafter), listed(approver)]);
    expect(adminSees).toEqual(['Drafted by Dana on A', 'For review on B']);
    expect(danaSees).toEqual(['Drafted by Dana on A']);
    expect(aliceSees).toEqual(['For review on B']);

    // The trail names who did what, not whoever signed in last.
    const actors = (await t.tandem.audit.list(danaOnA.id)).map((e) => e.actor);
    expect(actors).toContain('dana');
    expect(
      (await t.tandem.audit.list(onB.id))
        .filter((e) => e.action === 'pair.approved')
        .map((e) => e.actor),
    ).toEqual(['alice']);
  });

  it('signing out on one client leaves everyone else signed in', async () => {
    await t.callFrom(drafter, 'session.signOut');
    expect([await whoIs(admin), await whoIs(drafter), await whoIs(approver)]).toEqual(['admin', null, 'alice']);
    expect(await refusal(t.callFrom(drafter, 'pairs.list'))).toBe('auth.required');
    expect(await listed(approver)).toEqual([]);

    // Signing in as someone else on one client changes only that client.
    await t.signInAs('dana', approver);
    expect([await whoIs(admin), await whoIs(drafter), await whoIs(approver)]).toEqual(['admin', null, 'dana']);
    // The same person may be signed in on two clients; signing out of one keeps the other.
    await t.signInAs('dana', drafter);
    await t.callFrom(approver, 'session.signOut');
    expect([await whoIs(drafter), await whoIs(approver)]).toEqual(['dana', null]);
  });

  it('refuses a call from a client nobody signed in on, as signed out, while others are signed in', async () => {
    for (const [method, input] of [
      ['pairs.list', undefined],
      ['users.list', undefined],
      ['settings.get', undefined],
      ['session.signOut', undefined],
      ['pairs.create', { channelIds: [a], enText: 'x', frText: 'y', authorTz: tz }],
    ] as const) {
      expect(await t.tandem.dispatch(stranger, method, input), method).toEqual({
        ok: false,
        error: { code: 'auth.required' },
      });
    }
    expect(await whoIs(stranger)).toBeNull();
    // A wrong passphrase on that client signs nobody in and signs nobody else out.
    expect(
      await refusal(t.callFrom(stranger, 'session.signIn', { username: 'admin', passphrase: 'not the passphrase' })),
    ).toBe('auth.invalid');
    expect([await whoIs(admin), await whoIs(drafter), await whoIs(approver), await whoIs(stranger)]).toEqual([
      'admin',
      'dana',
      'alice',
      null,
    ]);
  });
});

describe('push events with several people signed in', () => {
  it('reach each client with only the pairs its person may see, and a signed-out client with none', async () => {
    const heard = new Map<string, [EventName, unknown][]>();
    const unsubscribe = [admin, drafter, approver, stranger].map((caller) => {
      heard.set(caller.client, []);
      return t.tandem.events.subscribe(caller.client, (event, payload) =>
        heard.get(caller.client)!.push([event, payload]),
      );
    });
    // Scoping an event may read the database, so events arrive a little after they are emitted,
    // each client's in order: once a marker emitted last is heard everywhere, all before it were.
    const settled = async () => {
      const marker: Record<string, never> = {};
      for (const client of heard.keys()) t.tandem.events.emit('users.changed', marker, client);
      await waitFor(() => [...heard.values()].every((events) => events.some(([, payload]) => payload === marker)), 5_000, 'events delivered');
      for (const events of heard.values()) events.splice(0, events.length, ...events.filter(([, payload]) => payload !== marker));
    };
    const pairIds = (caller: Caller) =>
      heard
        .get(caller.client)!
        .filter(([event]) => event === 'pairs.changed')
        .flatMap(([, payload]) => (payload as { pairIds: string[] }).pairIds);
    try {
      const onA = await create(drafter, a, 'On A');
      const onB = await create(admin, b, 'On B');
      // One event naming both: each client hears only its own share of it.
      t.tandem.events.emit('pairs.changed', { pairIds: [onA.id, onB.id] });
      await settled();

      expect(pairIds(admin)).toEqual([onA.id, onB.id, onA.id, onB.id]);
      expect(pairIds(drafter)).toEqual([onA.id, onA.id]);
      expect(pairIds(approver)).toEqual([onB.id, onB.id]);
      expect(heard.get(stranger.client)).toEqual([]);

      // A sign-out is told to the client that signed out, and nobody else.
      for (const events of heard.values()) events.length = 0;
      await t.callFrom(drafter, 'session.signOut');
      await settled();
      expect(heard.get(drafter.client)).toEqual([['session.changed', {}]]);
      expect([...heard.values()].flat()).toHaveLength(1);
      // Signed out now, the drafter's window hears of no pair at all.
      t.tandem.events.emit('pairs.changed', { pairIds: [onA.id, onB.id] });
      await settled();
      expect(pairIds(drafter)).toEqual([]);
      expect(pairIds(admin)).toEqual([onA.id, onB.id]);
    } finally {
      for (const stop of unsubscribe) stop();
    }
  });
});
