// The queue's question (issue 13, item 2): filters, search in either language, sort, counts per
// status and keyset paging, answered by the database — the same on SQLite and PostgreSQL — and
// only ever about pairs the caller may see.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { engine, passphraseOf, startTestApp, waitFor, type TestApp } from '../support';
import type { Sql } from '../../src/main/db/sql';
import { fakeAccount, fakeApp } from '../fakes/x-api';
import type { PairPage } from '../../src/shared/contract';
import type { Pair, PairStatus } from '../../src/shared/domain';
import { searchText } from '../../src/main/db/search';

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

describe('pairs.query search at work', () => {
  it('finds one and two characters too, as typed, in either language', async () => {
    const gdp = await create(a, 'Q3 GDP up 1.5%', 'PIB du T3 : hausse de 1,5\u00a0%');
    expect(ids(await query({ search: 'q3' }))).toEqual([gdp.id]);
    expect(ids(await query({ search: 'T3' }))).toEqual([gdp.id]);
    expect(ids(await query({ search: 'Q' }))).toEqual([gdp.id, p.labour!.id, p.review!.id].sort());
    // The no-break space is white space like any other.
    expect(ids(await query({ search: '5 %' }))).toEqual([gdp.id]);
    // One character in both texts of several pairs, counted like the rest.
    const withB = await query({ search: 'b' });
    expect(ids(withB)).toEqual([gdp.id, p.labour!.id, p.secret!.id, p.secretLater!.id, p.written!.id].sort());
    expect(withB.counts).toEqual({ ...zero, draft: 3, scheduled: 2 });
    // A letter with an accent is its plain letter (“survey”, “by”); nothing matches a letter no pair has.
    expect(ids(await query({ search: 'Ÿ' }))).toEqual(of('labour', 'written'));
    expect(ids(await query({ search: 'z' }))).toEqual([]);
    expect(ids(await query({ search: 'q3 gdp' }))).toEqual([gdp.id]);
  });

  it('finds a pair of characters at either end of either text, and follows the text as it is edited', async () => {
    // On PostgreSQL through the index of each pair's pairs of characters (migration 018).
    const first = await create(a, 'Xq leads the English', 'premier');
    const last = await create(a, 'English', 'le français finit par kÿ');
    expect(ids(await query({ search: 'xq' }))).toEqual([first.id]);
    expect(ids(await query({ search: 'KY' }))).toEqual([last.id]);
    const edited = await t.call<Pair>('pairs.update', { id: last.id, version: last.version, enText: 'Ky now opens it', frText: 'le français' });
    expect(ids(await query({ search: 'ky' }))).toEqual([edited.id]);
    expect(ids(await query({ search: 'xq', status: ['draft'] }))).toEqual([first.id]);
    await t.call<Pair>('pairs.update', { id: edited.id, version: edited.version, enText: 'English', frText: 'le français' });
    expect(ids(await query({ search: 'ky' }))).toEqual([]);
  });

  it('ignores case and accents both ways: accented text found plain, plain text found accented', async () => {
    // Text with accents and capitals, searched without.
    expect(ids(await query({ search: 'resultats de l’election' }))).toEqual(of('election'));
    expect(ids(await query({ search: 'ECRIT PAR LA REDACTRICE' }))).toEqual(of('written'));
    // Text without accents, searched with them (and capitals).
    expect(ids(await query({ search: 'HÔUSÏNG STÀRTS' }))).toEqual(of('housing'));
    expect(ids(await query({ search: 'Sécrét' }))).toEqual(of('secret', 'secretLater'));
    // Ligatures fold to their letters, in the text and in the search.
    const oeuvre = await create(a, 'Art works', 'Les Œuvres d’art');
    expect(ids(await query({ search: 'oeuvres' }))).toEqual([oeuvre.id]);
    expect(ids(await query({ search: 'œuvre' }))).toEqual([oeuvre.id]);
  });

  it('finds a word that is only in the French text, and one only in the English', async () => {
    expect(ids(await query({ search: 'chantier' }))).toEqual(of('housing'));
    expect(ids(await query({ search: 'rédactrice' }))).toEqual(of('written'));
    expect(ids(await query({ search: 'planifié' }))).toEqual(of('secretLater'));
    expect(ids(await query({ search: 'starts rose' }))).toEqual(of('housing'));
    expect(ids(await query({ search: 'survey' }))).toEqual(of('labour'));
  });

  it('a pair edited stops matching its old text and starts matching its new one, counts included', async () => {
    const before = await query({ search: 'population active' });
    expect(ids(before)).toEqual(of('labour'));
    expect(before.counts).toEqual({ ...zero, scheduled: 1 });
    const draft = p.election!;
    const edited = await t.call<Pair>('pairs.update', { id: draft.id, version: draft.version, enText: 'By-election results', frText: 'Population active : résultats' });
    const after = await query({ search: 'population active' });
    expect(ids(after)).toEqual([edited.id, p.labour!.id].sort());
    expect(after.counts).toEqual({ ...zero, draft: 1, scheduled: 1 });
    expect(ids(await query({ search: 'montréal' }))).toEqual([]);
    expect(ids(await query({ search: 'by' }))).toEqual([edited.id, p.written!.id].sort());
    // And back.
    await t.call<Pair>('pairs.update', { id: edited.id, version: edited.version, enText: 'General election', frText: 'Élection générale' });
    expect(ids(await query({ search: 'population active' }))).toEqual(of('labour'));
    expect(ids(await query({ search: 'election results' }))).toEqual([]);
    expect(ids(await query({ search: 'election generale' }))).toEqual([edited.id]);
  });
});

describe('pairs.query search over many matches', () => {
  it('a word in more than a thousand pairs is found, paged and counted as a rare one is', async () => {
    // 1,050 drafts on A, written straight to the database as the app writes them (both texts folded).
    const start = Date.now() - 10 * day;
    const made: string[] = [];
    await t.tandem.sql.tx(async () => {
      for (let i = 0; i < 1050; i++) {
        const id = `bulk-${String(i).padStart(4, '0')}`;
        const en = `Bulk notice ${i}`;
        const fr = `Avis groupé ${i}`;
        await t.tandem.sql.run(
          `INSERT INTO post_pair (id, en_text, fr_text, search_text, status, author_tz, created_by, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'draft', ?, 'admin', ?, ?)`,
          [id, en, fr, searchText(en, fr), tz, start + i * 60_000, start + i * 60_000],
        );
        await t.tandem.sql.run('INSERT INTO pair_channel (pair_id, channel_id) VALUES (?, ?)', [id, a]);
        made.push(id);
      }
    });
    const newestFirst = [...made].reverse();
    const wide = await query({ search: 'BULK notice' });
    expect(wide.counts).toEqual({ ...zero, draft: 1050 });
    expect(wide.pairs.map((x) => x.id)).toEqual(newestFirst.slice(0, 50));
    // Every one of them once, page after page.
    const paged: string[] = [];
    let after: string | null = null;
    do {
      const page: PairPage = await query({ search: 'avis groupe', limit: 200, ...(after ? { after } : {}) });
      paged.push(...page.pairs.map((x) => x.id));
      after = page.next;
    } while (after);
    expect(paged).toEqual(newestFirst);
    expect((await query({ search: 'avis groupe', sort: 'oldest', limit: 3 })).pairs.map((x) => x.id)).toEqual(made.slice(0, 3));
    // With the other filters.
    expect((await query({ search: 'bulk notice', channelId: a, status: ['review'] })).counts).toEqual({ ...zero, draft: 1050 });
    expect(ids(await query({ search: 'bulk notice', channelId: b }))).toEqual([]);
    expect((await query({ search: 'bulk', platform: 'x', to: new Date(start + 5 * 60_000).toISOString() })).counts).toEqual({ ...zero, draft: 5 });
    expect(ids(await query({ search: 'bulk notice 1049' }))).toEqual(['bulk-1049']);
    expect(ids(await query({ search: 'bulk notice 104' }))).toEqual(['bulk-0104', 'bulk-1040', 'bulk-1041', 'bulk-1042', 'bulk-1043', 'bulk-1044', 'bulk-1045', 'bulk-1046', 'bulk-1047', 'bulk-1048', 'bulk-1049']);
    // Someone who sees only B learns nothing of them.
    await t.addUser('onB', ['drafter'], { channelId: b });
    await t.signInAs('onB');
    const hidden = await query({ search: 'bulk notice' });
    expect(hidden.pairs).toEqual([]);
    expect(hidden.counts).toEqual(zero);
  });
});

describe('pairs.query filters combined', () => {
  it('account pair and search together', async () => {
    expect(ids(await query({ channelId: b, search: 'secret' }))).toEqual(of('secret', 'secretLater'));
    expect(ids(await query({ channelId: a, search: 'secret' }))).toEqual([]);
    expect(ids(await query({ channelId: a, search: 'résultats' }))).toEqual(of('election'));
    expect(ids(await query({ channelId: b, search: 'sur' }))).toEqual(of('secret', 'secretLater'));
    expect(ids(await query({ channelId: a, search: 'sur' }))).toEqual(of('labour'));
    expect((await query({ channelId: b, search: 'secret', status: ['draft'] })).counts).toEqual({ ...zero, draft: 1, scheduled: 1 });
  });

  it('platform, status and date range together', async () => {
    const from = new Date(Date.now() + day).toISOString();
    const to = new Date(Date.now() + 2.5 * day).toISOString();
    const both = await query({ platform: 'x', status: ['scheduled'], from, to });
    expect(ids(both)).toEqual(of('labour'));
    // Counts: everything on X in that range, whatever its status.
    expect(both.counts).toEqual({ ...zero, scheduled: 1 });
    expect(ids(await query({ platform: 'x', status: ['draft'], from, to }))).toEqual([]);
    expect(ids(await query({ platform: 'x', status: ['scheduled'], from }))).toEqual(of('labour', 'secretLater'));
    expect(ids(await query({ platform: 'bluesky', status: ['scheduled'], from, to }))).toEqual([]);
    expect(ids(await query({ platform: 'x', status: ['draft', 'review'], to: from, search: 'les' }))).toEqual(of('housing', 'review'));
  });

  it('counts per status follow every filter but the status one', async () => {
    expect((await query({ person: 'writer', status: ['scheduled'] })).counts).toEqual({ ...zero, draft: 1 });
    expect((await query({ person: 'admin', channelId: b })).counts).toEqual({ ...zero, draft: 1, scheduled: 1 });
    expect((await query({ from: new Date(Date.now() + day).toISOString(), status: ['draft'] })).counts).toEqual({ ...zero, scheduled: 2 });
    expect((await query({ search: 'les', status: ['scheduled'] })).counts).toEqual({ ...zero, draft: 1, review: 1 });
    expect((await query({ search: 'zzz' })).counts).toEqual(zero);
  });

  it('a person scoped to one account pair combines filters only over what they may see', async () => {
    await t.addUser('scoped', ['drafter'], { channelId: a });
    await t.signInAs('scoped');
    expect(ids(await query({ search: 'sur' }))).toEqual(of('labour'));
    expect((await query({ search: 'sur' })).counts).toEqual({ ...zero, scheduled: 1 });
    expect(ids(await query({ platform: 'x', status: ['scheduled'] }))).toEqual(of('labour'));
    expect(ids(await query({ search: 'b', from: new Date(Date.now() + day).toISOString() }))).toEqual(of('labour'));
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

describe('pairs.query paging while pairs arrive', () => {
  it('the next pages neither repeat nor skip a pair when new ones are made meanwhile', async () => {
    for (let i = 0; i < 5; i++) await create(i % 2 ? a : b, `Batch ${i}`, `Lot ${i}`);
    for (const [sort, filter] of [
      ['newest', {}],
      ['oldest', {}],
      ['scheduled', {}],
      ['newest', { search: 'lot' }],
      ['oldest', { status: ['draft'] }],
    ] as const) {
      const whole = (await query({ ...filter, sort, limit: 200 })).pairs.map((x) => x.id);
      const first = await query({ ...filter, sort, limit: 3 });
      // Two pairs arrive after the first page was read (they match every filter above).
      const arrived = [await create(a, `Lot arrived ${sort}`, `Lot arrivé ${sort}`), await create(b, `Lot late ${sort}`, `Lot tardif ${sort}`)];
      const rest: string[] = [];
      let after = first.next;
      while (after) {
        const page: PairPage = await query({ ...filter, sort, limit: 3, after });
        rest.push(...page.pairs.map((x) => x.id));
        after = page.next;
      }
      const seen = [...first.pairs.map((x) => x.id), ...rest];
      const fresh = arrived.map((x) => x.id);
      // The pairs there before, each once, in their order.
      expect(seen.filter((id) => !fresh.includes(id))).toEqual(whole);
      expect(new Set(seen).size).toBe(seen.length);
      // Newest first, the new pairs come before the first page: later pages never show them.
      // Oldest first they come at the end; by queue time, among the drafts (before the scheduled pairs).
      if (sort === 'newest') expect(seen.filter((id) => fresh.includes(id))).toEqual([]);
      else expect(seen.filter((id) => fresh.includes(id)).sort()).toEqual([...fresh].sort());
      if (sort === 'oldest') expect(seen.slice(-2).sort()).toEqual([...fresh].sort());
      // A first page read now starts with them, newest first.
      if (sort === 'newest') expect((await query({ ...filter, sort, limit: 2 })).pairs.map((x) => x.id).sort()).toEqual([...fresh].sort());
    }
  });
});

describe('pairs.query on pairs written before the search index (migration 15)', () => {
  it('finds them once the database is brought up to date', async () => {
    await t.whileClosed(async (sql) => {
      // Back to version 14: what migrations 16 to 18 added goes too, so they can be applied again.
      await dropLetterPairs(sql);
      await dropFacets(sql);
      await sql.run('ALTER TABLE channel DROP COLUMN name_fr');
      await sql.run('ALTER TABLE channel DROP COLUMN retired_at');
      if (engine === 'sqlite') {
        for (const trigger of ['pair_search_inserted', 'pair_search_deleted', 'pair_search_changed']) await sql.run(`DROP TRIGGER ${trigger}`);
        await sql.run('DROP TABLE pair_search');
        await sql.run('DROP INDEX post_pair_status_when');
        await sql.run('PRAGMA user_version = 14');
      } else {
        await sql.run('DROP INDEX post_pair_search');
        await sql.run('DROP INDEX post_pair_status_when');
        await sql.run('UPDATE tandem_schema SET version = 14');
      }
      // A pair written by the version before, without the index.
      await sql.run("UPDATE post_pair SET en_text = 'Old housing text', search_text = ? WHERE id = ?", ['old housing text\nles mises en chantier ont augmente en mars', p.housing!.id]);
    });
    const { again, ask } = await reopenedQuery();
    expect(ids(await ask({ search: 'old housing' }))).toEqual(of('housing'));
    expect(ids(await ask({ search: 'chantier' }))).toEqual(of('housing'));
    expect(ids(await ask({ search: 'montréal' }))).toEqual(of('election'));
    // Two characters, through the index migration 18 built for the pairs already there (PostgreSQL).
    expect(ids(await ask({ search: 'ld' }))).toEqual(of('housing'));
    expect((await ask({ search: 'secret' })).counts).toEqual({ ...zero, draft: 1, scheduled: 1 });
    expect((await ask({ from: new Date(Date.now() + day).toISOString() })).counts).toEqual({ ...zero, scheduled: 2 });
    // And it stays in step with what is written after.
    const made = await again.dispatch(t.caller, 'pairs.create', { channelIds: [a], enText: 'After the upgrade', frText: 'Après la mise à jour', authorTz: tz });
    expect(made.ok).toBe(true);
    expect((await ask({ search: 'apres la mise' })).pairs.map((x) => x.enText)).toEqual(['After the upgrade']);
  });
});

/** The app opened again on its files (migrating them), the admin signed in: its pairs.query. */
async function reopenedQuery() {
  const again = t.reopen();
  await again.ready;
  expect((await again.dispatch(t.caller, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') })).ok).toBe(true);
  const ask = async (input: Record<string, unknown>) => {
    const result = await again.dispatch(t.caller, 'pairs.query', input);
    if (!result.ok) throw new Error(result.error.code);
    return result.value as PairPage;
  };
  return { again, ask };
}

/** Migration 18 undone: PostgreSQL's index of each pair's pairs of characters (SQLite has nothing to undo). */
async function dropLetterPairs(sql: Sql): Promise<void> {
  if (engine !== 'postgres') return;
  await sql.run('DROP INDEX post_pair_letter_pairs');
  await sql.run('DROP FUNCTION tandem_letter_pairs(text)');
}

/** Migration 17 undone: the facets' table and the triggers that keep it. */
async function dropFacets(sql: Sql): Promise<void> {
  const triggers = {
    pair_facet_pair_inserted: 'post_pair',
    pair_facet_status: 'post_pair',
    pair_facet_pair_deleted: 'post_pair',
    pair_facet_writer: 'pair_author',
    pair_facet_channel_added: 'pair_channel',
    pair_facet_channel_removed: 'pair_channel',
  };
  for (const [trigger, table] of Object.entries(triggers)) {
    await sql.run(engine === 'sqlite' ? `DROP TRIGGER ${trigger}` : `DROP TRIGGER ${trigger} ON ${table}`);
    if (engine === 'postgres') await sql.run(`DROP FUNCTION ${trigger}()`);
  }
  await sql.run('DROP TABLE pair_facet');
}

describe('pairs.query counts under a person, a platform or an account pair (migration 17)', () => {
  const countsOf = async (input: Record<string, unknown>) => (await query(input)).counts;

  it('follow each pair as it moves on, is written by someone else, or is cancelled', async () => {
    expect(await countsOf({ person: 'writer' })).toEqual({ ...zero, draft: 1 });
    expect(await countsOf({ platform: 'x' })).toEqual({ ...zero, draft: 4, review: 1, scheduled: 2 });
    expect(await countsOf({ channelId: b })).toEqual({ ...zero, draft: 1, scheduled: 1 });
    // The writer finishes the French of the admin's draft: it is now theirs too, counted as it moves on.
    await t.signInAs('writer');
    let housing = await t.call<Pair>('pairs.update', { id: p.housing!.id, version: p.housing!.version, enText: 'Housing starts rose in March', frText: 'Les mises en chantier ont augmenté en mars.' });
    housing = await t.call<Pair>('pairs.submitForReview', { id: housing.id, version: housing.version });
    expect(await countsOf({ person: 'writer' })).toEqual({ ...zero, draft: 1, review: 1 });
    expect(ids(await query({ person: 'writer' }))).toEqual(of('housing', 'written'));
    await t.signInAs('admin');
    housing = await t.call<Pair>('pairs.approve', { id: housing.id, version: housing.version, comment: 'OK' });
    housing = await t.call<Pair>('pairs.schedule', { id: housing.id, version: housing.version, when: 'at', scheduledAt: new Date(Date.now() + 4 * day).toISOString() });
    expect(await countsOf({ person: 'writer' })).toEqual({ ...zero, draft: 1, scheduled: 1 });
    expect(await countsOf({ person: 'admin' })).toEqual({ ...zero, draft: 2, review: 1, scheduled: 3 });
    await t.call('pairs.cancel', { id: p.secretLater!.id });
    expect(await countsOf({ channelId: b })).toEqual({ ...zero, draft: 1, cancelled: 1 });
    // Published: every side sent, the pair and its counts move on together.
    const now = await t.publish(a, 'Out now', 'Publié maintenant');
    await waitFor(async () => (await t.tandem.pairs.get(now.id))?.status === 'published', 8_000, 'published pair');
    expect(await countsOf({ platform: 'x' })).toMatchObject({ published: 1, scheduled: 2, cancelled: 1 });
    expect(await countsOf({ platform: 'bluesky' })).toEqual(zero);
    // The same numbers as counting each pair (a date range keeps the query off the facets).
    for (const input of [{ person: 'writer' }, { person: 'admin' }, { platform: 'x' }, { channelId: a }, { channelId: b }]) {
      expect(await countsOf(input)).toEqual(await countsOf({ ...input, from: new Date(0).toISOString() }));
    }
  });

  it('are the same once a database from before them is brought up to date', async () => {
    const before = await Promise.all([{ person: 'admin' }, { person: 'writer' }, { platform: 'x' }, { channelId: b }].map(countsOf));
    await t.whileClosed(async (sql) => {
      await dropLetterPairs(sql);
      await dropFacets(sql);
      await sql.run(engine === 'sqlite' ? 'PRAGMA user_version = 16' : 'UPDATE tandem_schema SET version = 16');
    });
    const { ask } = await reopenedQuery();
    expect(await Promise.all([{ person: 'admin' }, { person: 'writer' }, { platform: 'x' }, { channelId: b }].map(async (input) => (await ask(input)).counts))).toEqual(before);
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
