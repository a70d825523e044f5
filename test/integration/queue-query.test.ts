// The queue's question (issue 13, item 2): filters, search in either language, sort, counts per
// status and keyset paging, answered by the database — the same on SQLite and PostgreSQL — and
// only ever about pairs the caller may see.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support';
import { fakeAccount, fakeApp } from '../fakes/x-api';
import type { PairPage } from '../../src/shared/contract';
import type { Pair, PairStatus } from '../../src/shared/domain';

const tz = 'America/Toronto';
const day = 86_400_000;
let t: TestApp;
let a: string;
let b: string;
/** The pairs made by `seed`, by name. */
let p: Record<string, Pair>;

beforeEach(async () => {
  t = await startTestApp();
  a = await t.addChannel('A');
  const app = fakeApp();
  b = await t.addChannel('B', { accounts: { en: fakeAccount(t.fake, 'B_eng', app), fr: fakeAccount(t.fake, 'B_fra', app) } });
  p = await seed();
});
afterEach(async () => t.cleanup());

const create = (channelId: string, enText: string, frText: string) =>
  t.call<Pair>('pairs.create', { channelIds: [channelId], enText, frText, authorTz: tz });

async function seed(): Promise<Record<string, Pair>> {
  const housing = await create(a, 'Housing starts rose in March', 'Les mises en chantier ont augmenté en mars');
  const election = await create(a, 'General election results', 'Résultats de l’ÉLECTION générale à Montréal');
  let review = await create(a, 'Consumer prices, 100% explained', 'Les prix à la consommation expliqués');
  review = await t.call<Pair>('pairs.submitForReview', { id: review.id, version: review.version });
  const labour = await t.publish(a, 'Labour force survey', 'Enquête sur la population active', new Date(Date.now() + 2 * day));
  const secret = await create(b, 'Secret on B', 'Secret sur B');
  const secretLater = await t.publish(b, 'Secret scheduled on B', 'Secret planifié sur B', new Date(Date.now() + 3 * day));
  await t.addUser('writer', ['drafter'], { channelId: a });
  await t.signInAs('writer');
  const written = await create(a, 'Written by the writer', 'Écrit par la rédactrice');
  await t.signInAs('admin');
  return { housing, election, review, labour, secret, secretLater, written };
}

const query = (input: Record<string, unknown> = {}) => t.call<PairPage>('pairs.query', input);
const ids = (page: PairPage) => page.pairs.map((pair) => pair.id).sort();
const of = (...names: string[]) => names.map((name) => p[name]!.id).sort();
const zero: Record<PairStatus, number> = {
  draft: 0,
  translation: 0,
  review: 0,
  approved: 0,
  scheduled: 0,
  publishing: 0,
  published: 0,
  partial: 0,
  held: 0,
  failed: 0,
  cancelled: 0,
};

describe('pairs.query filters', () => {
  it('by status, account pair, platform, person and date range', async () => {
    expect(ids(await query())).toEqual(of('housing', 'election', 'review', 'labour', 'secret', 'secretLater', 'written'));
    expect(ids(await query({ status: ['draft'] }))).toEqual(of('housing', 'election', 'secret', 'written'));
    expect(ids(await query({ status: ['review', 'scheduled'] }))).toEqual(of('review', 'labour', 'secretLater'));
    expect(ids(await query({ channelId: b }))).toEqual(of('secret', 'secretLater'));
    expect(ids(await query({ channelId: b, status: ['scheduled'] }))).toEqual(of('secretLater'));
    expect(ids(await query({ platform: 'x' }))).toHaveLength(7);
    expect(ids(await query({ platform: 'bluesky' }))).toEqual([]);
    // Created by them, or wrote either language.
    expect(ids(await query({ person: 'writer' }))).toEqual(of('written'));
    expect(ids(await query({ person: 'WRITER' }))).toEqual(of('written'));
    expect(ids(await query({ person: 'admin' }))).toHaveLength(6);
    // On the queue time: scheduled pairs by their time, the others by their creation.
    const tomorrow = new Date(Date.now() + day).toISOString();
    expect(ids(await query({ from: tomorrow }))).toEqual(of('labour', 'secretLater'));
    expect(ids(await query({ from: tomorrow, to: new Date(Date.now() + 2.5 * day).toISOString() }))).toEqual(of('labour'));
    expect(ids(await query({ to: tomorrow }))).toEqual(of('housing', 'election', 'review', 'secret', 'written'));
  });

  it('search finds text in English and in French, whatever the case and accents', async () => {
    expect(ids(await query({ search: 'housing' }))).toEqual(of('housing'));
    expect(ids(await query({ search: 'mises en chantier' }))).toEqual(of('housing'));
    expect(ids(await query({ search: 'montreal' }))).toEqual(of('election'));
    expect(ids(await query({ search: 'MONTRÉAL' }))).toEqual(of('election'));
    expect(ids(await query({ search: 'élection' }))).toEqual(of('election'));
    expect(ids(await query({ search: 'ecrit par' }))).toEqual(of('written'));
    expect(ids(await query({ search: '  enquête   sur ' }))).toEqual(of('labour'));
    // LIKE's own characters are taken literally.
    expect(ids(await query({ search: '100%' }))).toEqual(of('review'));
    expect(ids(await query({ search: '%' }))).toEqual(of('review'));
    expect(ids(await query({ search: '_' }))).toEqual([]);
    // Never across the two languages.
    expect(ids(await query({ search: 'march les' }))).toEqual([]);
    // An edit is searched by its new text.
    const edited = await t.call<Pair>('pairs.update', { id: p.housing!.id, version: p.housing!.version, enText: 'Building permits', frText: 'Permis de bâtir' });
    expect(ids(await query({ search: 'batir' }))).toEqual([edited.id]);
    expect(ids(await query({ search: 'housing' }))).toEqual([]);
  });

  it('counts per status what matches, the status filter aside', async () => {
    expect((await query()).counts).toEqual({ ...zero, draft: 4, review: 1, scheduled: 2 });
    expect((await query({ status: ['review'], channelId: a })).counts).toEqual({ ...zero, draft: 3, review: 1, scheduled: 1 });
    expect((await query({ search: 'secret' })).counts).toEqual({ ...zero, draft: 1, scheduled: 1 });
  });
});

describe('pairs.query order and paging', () => {
  it('sorts newest, oldest, and by queue time', async () => {
    const all = Object.values(p);
    const byCreation = [...all].sort((x, y) => Date.parse(x.createdAt) - Date.parse(y.createdAt) || (x.id < y.id ? 1 : -1));
    // Newest first is pairs.list's order.
    const listed = await t.call<Pair[]>('pairs.list', { limit: 50 });
    expect((await query()).pairs.map((x) => x.id)).toEqual(listed.map((x) => x.id));
    expect((await query({ sort: 'oldest' })).pairs.map((x) => x.id)).toEqual(byCreation.map((x) => x.id));
    const scheduled = (await query({ sort: 'scheduled' })).pairs.map((x) => x.id);
    expect(scheduled.slice(-2)).toEqual([p.labour!.id, p.secretLater!.id]);
  });

  it('pages through every pair once, ties on the sort key included, in the order of one long page', async () => {
    for (let i = 0; i < 23; i++) await create(i % 2 ? a : b, `Extra ${i}`, `Supplément ${i}`);
    // Many pairs share a creation time (and so a queue time): only the id tells them apart.
    const stamps = [Date.now() - 3 * day, Date.now() - 2 * day, Date.now() - day];
    const every = (await query({ limit: 200 })).pairs.map((x) => x.id);
    expect(every).toHaveLength(30);
    for (const [i, id] of every.entries()) {
      await t.tandem.sql.run('UPDATE post_pair SET created_at = ? WHERE id = ?', [stamps[i % 3]!, id]);
    }
    for (const sort of ['newest', 'oldest', 'scheduled'] as const) {
      for (const filter of [{}, { status: ['draft'] }, { search: 'supplement' }]) {
        const whole = (await query({ ...filter, sort, limit: 200 })).pairs.map((x) => x.id);
        const paged: string[] = [];
        let after: string | null | undefined;
        let pages = 0;
        do {
          const page = await query({ ...filter, sort, limit: 4, ...(after ? { after } : {}) });
          paged.push(...page.pairs.map((x) => x.id));
          expect(page.counts).toEqual((await query({ ...filter, sort, limit: 200 })).counts);
          after = page.next;
          pages += 1;
        } while (after && pages < 50);
        expect(paged).toEqual(whole);
        expect(new Set(paged).size).toBe(paged.length);
      }
    }
    const total = Object.values((await query()).counts).reduce((x, y) => x + y, 0);
    expect(total).toBe(30);
    // The last page says there is no next.
    expect((await query({ limit: 30 })).next).toBeNull();
    expect((await query({ limit: 29 })).next).not.toBeNull();
  });
});

describe('pairs.query visibility', () => {
  it('shows a person scoped to one account pair neither the other pairs nor their counts', async () => {
    await t.addUser('scoped', ['drafter', 'approver'], { channelId: a });
    await t.signInAs('scoped');
    const onA = of('housing', 'election', 'review', 'labour', 'written');
    const seen = await query();
    expect(ids(seen)).toEqual(onA);
    expect(seen.counts).toEqual({ ...zero, draft: 3, review: 1, scheduled: 1 });
    const hidden = await query({ search: 'secret' });
    expect(hidden.pairs).toEqual([]);
    expect(hidden.counts).toEqual(zero);
    expect((await query({ channelId: b })).counts).toEqual(zero);
    expect((await query({ person: 'admin', from: new Date(Date.now() + 2.5 * day).toISOString() })).counts).toEqual(zero);
    // Paging the whole view never strays outside it.
    const paged: string[] = [];
    let after: string | null = null;
    do {
      const page: PairPage = await query({ limit: 2, ...(after ? { after } : {}) });
      paged.push(...page.pairs.map((x) => x.id));
      after = page.next;
    } while (after);
    expect(paged.sort()).toEqual(onA);
  });

  it('shows someone without a role nothing', async () => {
    await t.addUser('nobody', []);
    await t.signInAs('nobody');
    const page = await query();
    expect(page.pairs).toEqual([]);
    expect(page.counts).toEqual(zero);
  });
});

describe('pairs.query input', () => {
  it('refuses bad input as input.invalid', async () => {
    const other = (await query({ limit: 1, sort: 'oldest' })).next!;
    const bad: Record<string, unknown>[] = [
      { status: ['nope'] },
      { status: [] },
      { sort: 'random' },
      { platform: 'myspace' },
      { from: 'yesterday' },
      { from: '2026-05-02T00:00:00Z', to: '2026-05-01T00:00:00Z' },
      { search: '   ' },
      { limit: 0 },
      { limit: 201 },
      { after: 'not a cursor!' },
      { after: Buffer.from('["newest", "x", 1]').toString('base64url') },
      { after: 'bm90IGpzb24' },
      // A cursor made for another order.
      { after: other, sort: 'newest' },
      { unknown: true },
    ];
    for (const input of bad) {
      await expect(query(input), JSON.stringify(input)).rejects.toMatchObject({ code: 'input.invalid' });
    }
    // The cursor is good for its own order.
    expect((await query({ limit: 1, sort: 'oldest', after: other })).pairs).toHaveLength(1);
  });

  it('needs a signed-in person', async () => {
    await t.call('session.signOut');
    await expect(query()).rejects.toMatchObject({ code: 'auth.required' });
  });
});
