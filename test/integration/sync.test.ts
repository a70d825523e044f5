// The server's side of a desk's offline copy, on both engines: what changed since a cursor (only
// what the person may see; everything again when their view changes), paging, and changes sent
// with the desk's own id applied exactly once, whoever retries them.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pair } from '../../src/shared/domain';
import type { Result, SyncPage } from '../../src/shared/contract';
import { syncPageSize } from '../../src/main/services/sync';
import { engine, startTestApp, type TestApp } from '../support';
import { fakeAccount, fakeApp } from '../fakes/x-api';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

const tz = 'America/Toronto';
const draft = (channelId: string, en: string, fr = '') => t!.call<Pair>('pairs.create', { channelIds: [channelId], enText: en, frText: fr, authorTz: tz, media: [] });

/** Every page of one pull, as a desk reads it. */
async function pullAll(from: { cursor: string | null; scope: string | null }, caller = t!.caller): Promise<{ pages: SyncPage[]; cursor: string; scope: string; pairs: Pair[] }> {
  const pages: SyncPage[] = [];
  let request = { cursor: from.cursor, scope: from.scope, page: null as string | null };
  for (;;) {
    const page = await t!.callFrom<SyncPage>(caller, 'sync.pull', request);
    pages.push(page);
    if (page.page === null) return { pages, cursor: page.cursor, scope: page.scope, pairs: pages.flatMap((p) => p.pairs) };
    request = { cursor: page.cursor, scope: page.scope, page: page.page };
  }
}

describe('sync.pull: a desk’s copy of what its person may see', () => {
  it('gives everything at first, then only what changed since the cursor, nothing twice when nothing changed', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel();
    const a = await draft(channelId, 'First');
    const b = await draft(channelId, 'Second');
    const first = await pullAll({ cursor: null, scope: null });
    expect(first.pages[0]!.reset).toBe(true);
    expect(first.pairs.map((p) => p.id).sort()).toEqual([a.id, b.id].sort());

    // Nothing changed: nothing new comes. (On PostgreSQL the cursor is the oldest transaction still
    // open in the whole cluster, which the test files running beside this one hold back now and
    // then: a pair may then come again, as it was — at least once, never a change missed.)
    // SQLite's marks are a counter of its own: there, nothing at all comes again.
    const unchanged = (pairs: Pair[], held: Pair[]) =>
      engine === 'sqlite'
        ? pairs.length === 0
        : pairs.every((p) => held.some((h) => h.id === p.id && h.version === p.version && h.updatedAt === p.updatedAt));
    expect(unchanged((await pullAll(first)).pairs, first.pairs)).toBe(true);
    const edited = await t.call<Pair>('pairs.update', { id: a.id, version: a.version, enText: 'First, edited', frText: 'Premier' });
    const c = await draft(channelId, 'Third');
    const next = await pullAll(first);
    expect(next.pages[0]!.reset).toBe(false);
    expect(next.pairs.map((p) => p.id).sort()).toEqual([a.id, c.id].sort());
    expect(next.pairs.find((p) => p.id === a.id)).toMatchObject({ enText: 'First, edited', frText: 'Premier', version: edited.version });
    expect(unchanged((await pullAll(next)).pairs, [...first.pairs.filter((p) => p.id !== a.id), ...next.pairs])).toBe(true);
  });

  it('shows a person only the pairs of their account pairs, and everything again when their roles change', async () => {
    t = await startTestApp();
    const mine = await t.addChannel('Mine');
    const app = fakeApp();
    const theirs = await t.addChannel('Theirs', { accounts: { en: fakeAccount(t.fake, 'Other_eng', app), fr: fakeAccount(t.fake, 'Other_fra', app) } });
    const seen = await draft(mine, 'Visible');
    await draft(theirs, 'Not hers');
    const dana = await t.addUser('dana', ['drafter'], { channelId: mine });
    const danaDesk = { client: 'dana-desk' };
    await t.signInAs('dana', danaDesk);
    const first = await pullAll({ cursor: null, scope: null }, danaDesk);
    expect(first.pairs.map((p) => p.id)).toEqual([seen.id]);
    // A change to a pair she may not see is not sent to her.
    await draft(theirs, 'Still not hers');
    expect((await pullAll(first, danaDesk)).pairs).toEqual([]);

    // Her role moves to the other account pair: her next pull is a new copy (she loses the rows she held).
    await t.call('roles.grant', { userId: dana.id, role: 'translator', channelId: theirs, expiresAt: null });
    await t.call('roles.revoke', { grantId: dana.grants[0]!.id });
    await t.signInAs('dana', danaDesk);
    const after = await pullAll(first, danaDesk);
    expect(after.pages[0]!.reset).toBe(true);
    expect(after.pairs.map((p) => p.enText).sort()).toEqual(['Not hers', 'Still not hers']);
    expect(after.scope).not.toBe(first.scope);
  });

  it('pages a large copy, and a page continues with the cursor its first page gave', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel();
    const ids = new Set<string>();
    for (let i = 0; i < syncPageSize + 20; i++) ids.add((await draft(channelId, `Pair ${i}`)).id);
    const first = await pullAll({ cursor: null, scope: null });
    expect(first.pages).toHaveLength(2);
    expect(first.pages[1]!.reset).toBe(false);
    expect(new Set(first.pairs.map((p) => p.id))).toEqual(ids);
    expect(first.pages.every((p) => p.cursor === first.cursor)).toBe(true);
  });

  it('refuses a malformed page or cursor', async () => {
    t = await startTestApp();
    const bad = await t.tandem.dispatch(t.caller, 'sync.pull', { cursor: '1', scope: 'x', page: 'z:1:nope' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'input.invalid' } });
    const cursor = await t.tandem.dispatch(t.caller, 'sync.pull', { cursor: 'DROP TABLE', scope: null, page: null });
    expect(cursor).toMatchObject({ ok: false, error: { code: 'input.invalid' } });
  });
});

describe('changes sent with the desk’s own id', () => {
  it('applies a change once: a retry gets the first answer; the same id from someone else or for another change is refused, nothing changed', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel();
    const id = randomUUID();
    const mutationId = randomUUID();
    const input = { id, channelIds: [channelId], enText: 'Offline draft', frText: '', authorTz: tz, media: [] };
    const first = (await t.tandem.dispatchOnce(t.caller, mutationId, 'pairs.create', input)) as Result<Pair>;
    expect(first.ok).toBe(true);
    const again = await t.tandem.dispatchOnce(t.caller, mutationId, 'pairs.create', input);
    expect(again).toEqual(first);
    const all = await t.call<Pair[]>('pairs.list', { limit: 50 });
    expect(all.filter((p) => p.enText === 'Offline draft')).toHaveLength(1);

    // The same id for another change: refused, nothing changed.
    const other = await t.tandem.dispatchOnce(t.caller, mutationId, 'pairs.create', { ...input, id: randomUUID(), enText: 'Forged' });
    expect(other).toEqual({ ok: false, error: { code: 'sync.mutationReused' } });

    // The same id from another person: refused, nothing changed, recorded.
    await t.addUser('mallory', ['drafter']);
    const mallory = { client: 'mallory' };
    await t.signInAs('mallory', mallory);
    const replay = await t.tandem.dispatchOnce(mallory, mutationId, 'pairs.create', input);
    expect(replay).toEqual({ ok: false, error: { code: 'sync.mutationReused' } });
    expect((await t.call<Pair[]>('pairs.list', { limit: 50 })).map((p) => p.enText)).toEqual(['Offline draft']);
    const audit = await t.call<{ events: { actor: string; action: string; subject: string }[] }>('audit.list', { limit: 20 });
    expect(audit.events.some((e) => e.actor === 'mallory' && e.action === 'permission.denied' && e.subject === `mutation:${mutationId}`)).toBe(true);
  });

  it('keeps a refusal as the answer (a stale version stays stale), and a pair id already taken is refused', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel();
    const pair = await draft(channelId, 'Base');
    await t.call('pairs.update', { id: pair.id, version: pair.version, enText: 'Theirs', frText: '' });
    const mutationId = randomUUID();
    const mine = { id: pair.id, version: pair.version, enText: 'Mine', frText: '' };
    const stale = await t.tandem.dispatchOnce(t.caller, mutationId, 'pairs.update', mine);
    expect(stale).toMatchObject({ ok: false, error: { code: 'pair.stale' } });
    expect(await t.tandem.dispatchOnce(t.caller, mutationId, 'pairs.update', mine)).toEqual(stale);
    const taken = await t.tandem.dispatch(t.caller, 'pairs.create', { id: pair.id, channelIds: [channelId], enText: 'Copy', frText: '', authorTz: tz, media: [] });
    expect(taken).toMatchObject({ ok: false, error: { code: 'pair.exists' } });
    expect((await t.call<Pair[]>('pairs.list', { limit: 50 })).map((p) => p.enText)).toEqual(['Theirs']);
  });
});
