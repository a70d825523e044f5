// The queue's question answered by the database (issue 13, item 2): filters, search, sort, counts
// per status and keyset paging, in a fixed number of statements whatever the number of pairs — the
// account pairs hidden from the caller, how narrow a search is (from its index), the page, the
// counts, and the page's details (db/pairDetails.ts). Nothing is filtered or sorted in JavaScript.
//
// Only pairs the caller may see are ever read, counts included: a pair is visible when every one of
// its account pairs is (the rule of `listPairs`).
//
// Paging is by keyset, not offset: the cursor holds the last pair's sort key and id, and the next
// page starts strictly after it in the same total order (key, then id), so pairs are neither
// skipped nor repeated when keys tie, and a deep page costs what the first one does. Ids compare
// byte by byte on both engines (SQLite's BINARY, PostgreSQL databases made with the C locale).
//
// Indexes (migration 014): post_pair_created for newest/oldest, post_pair_status for a status
// filter, post_pair_when for the 'scheduled' order and a date range; (migration 015)
// post_pair_status_when for the counts under a date range, and the search's trigram index
// (db/search.ts); (migration 017) pair_facet, the pairs of a person, an account pair or a
// platform with their status, so those filters are one set each and their counts one range of an
// index. At 100,000 pairs every filter alone or combined answers within 100 ms, at the median and
// at p99, on both engines (README, Measurements); a search of two characters reads every pair's
// text on SQLite, and an index of each pair's pairs of characters on PostgreSQL (migration 018).
import type { Pair, PairStatus, Platform } from '../../shared/domain';
import { pairsOfRows, type PairRow } from './pairs';
import { searchCondition, type SearchCondition } from './search';
import { withJsonList, type Engine, type Param, type Sql } from './sql';

export type QueueSort = 'newest' | 'oldest' | 'scheduled';

export interface QueueFilter {
  status?: readonly PairStatus[];
  channelId?: string;
  platform?: Platform;
  /** A username: pairs they created, or of which they wrote or edited either language. */
  person?: string;
  /** Queue time (scheduled, else created), ms: at or after `from`, before `to`. */
  from?: number;
  to?: number;
  search?: string;
}

/** Where the previous page ended: its last pair's sort key and id. */
export interface QueueCursor {
  key: number;
  id: string;
}

export interface QueueQuery extends QueueFilter {
  sort: QueueSort;
  after?: QueueCursor;
  limit: number;
}

export interface QueuePage {
  pairs: Pair[];
  /** Where this page ended, when more pairs follow. */
  last: QueueCursor | null;
  counts: Map<PairStatus, number>;
}

/** The queue time: the index post_pair_when holds exactly this expression. */
const queueTime = 'coalesce(p.scheduled_at, p.created_at)';

const orders: { readonly [S in QueueSort]: { key: string; order: string; after: string } } = {
  // post_pair_created (created_at DESC, id), read forwards…
  newest: { key: 'p.created_at', order: 'p.created_at DESC, p.id', after: '(p.created_at < ? OR (p.created_at = ? AND p.id > ?))' },
  // …and backwards.
  oldest: { key: 'p.created_at', order: 'p.created_at, p.id DESC', after: '(p.created_at > ? OR (p.created_at = ? AND p.id < ?))' },
  scheduled: { key: queueTime, order: `${queueTime}, p.id`, after: `(${queueTime} > ? OR (${queueTime} = ? AND p.id > ?))` },
};

/** A PostgreSQL array literal of text values, each quoted (`"` and `\\` escaped). */
const textArray = (values: readonly string[]) => `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;

/**
 * The account pairs the caller may not see, or null when none is hidden (then no pair is): asked
 * first, of the channel table (a few rows), so the pairs' condition names them and the planner
 * sees how few they are — and skips the condition entirely for a person who sees every account pair.
 */
async function hiddenChannels(sql: Sql, visible: ReadonlySet<string> | null): Promise<string[] | null> {
  if (visible === null) return null;
  const hidden = await sql.all<{ id: string }>(withJsonList('SELECT id FROM channel WHERE id NOT IN (SELECT value FROM json_each(?)) ORDER BY id'), [
    JSON.stringify([...visible]),
  ]);
  return hidden.length === 0 ? null : hidden.map((row) => row.id);
}

/** The conditions every pair read must meet (the status filter aside), with their parameters in order. */
function filters(
  f: QueueFilter,
  hidden: readonly string[] | null,
  search: SearchCondition | null,
  engine: Engine,
): { where: string[]; params: Param[] } {
  const where: string[] = [];
  const params: Param[] = [];
  // Cheapest first: SQLite tests a pair's conditions in the order written, so the times and the
  // search's set are checked before the sets of pairs built from other tables.
  if (f.from !== undefined) {
    where.push(`${queueTime} >= ?`);
    params.push(Math.floor(f.from));
  }
  if (f.to !== undefined) {
    where.push(`${queueTime} < ?`);
    params.push(Math.floor(f.to));
  }
  if (search !== null) {
    where.push(search.where);
    params.push(...search.params);
  }
  // SQLite reading a narrow search's few pairs checks each of them (a lookup in pair_channel or
  // pair_author): building a set of tens of thousands of pairs would cost more than the page.
  const eachPair = engine === 'sqlite' && search?.narrow === true;
  if (hidden !== null) {
    // Visible: no account pair of the pair is hidden. SQLite builds the set of pairs on a hidden
    // account pair once (from pair_channel_channel) and probes it; PostgreSQL hashes it (anti-join),
    // the hidden ids given as an array it can see into when planning (a JSON list counts as 100 rows).
    where.push(
      engine === 'postgres'
        ? 'NOT EXISTS (SELECT 1 FROM pair_channel vc WHERE vc.pair_id = p.id AND vc.channel_id = ANY (CAST(? AS text[])))'
        : eachPair
          ? 'NOT EXISTS (SELECT 1 FROM pair_channel vc WHERE vc.pair_id = p.id AND vc.channel_id IN (SELECT value FROM json_each(?)))'
          : 'p.id NOT IN (SELECT vc.pair_id FROM pair_channel vc WHERE vc.channel_id IN (SELECT value FROM json_each(?)))',
    );
    params.push(engine === 'sqlite' ? JSON.stringify(hidden) : textArray(hidden));
  }
  // A pair among the pairs of one facet (migration 017: a person, an account pair, a platform).
  // SQLite builds the set once from the facet's range of pair_facet and probes it for each pair it
  // reads in the order or the index it chose (`+p.id`: never read the pairs through the set, one
  // lookup each, which cost seconds when the set holds most of them); PostgreSQL makes it a hashed
  // semi-join. A narrow search's few pairs are each looked up instead (pair_facet_pair).
  for (const facet of facetsOf(f)) {
    where.push(
      eachPair
        ? 'EXISTS (SELECT 1 FROM pair_facet ef WHERE ef.pair_id = p.id AND ef.facet = ?)'
        : `${engine === 'sqlite' ? '+p.id' : 'p.id'} IN (SELECT sf.pair_id FROM pair_facet sf WHERE sf.facet = ?)`,
    );
    params.push(facet);
  }
  return { where, params };
}

/** The facets the filter names (pair_facet's keys): an account pair, a platform, a person. */
function facetsOf(f: QueueFilter): string[] {
  const facets: string[] = [];
  if (f.channelId !== undefined) facets.push(`channel:${f.channelId}`);
  if (f.platform !== undefined) facets.push(`platform:${f.platform}`);
  // Pairs they created, or of which they wrote or edited either language.
  if (f.person !== undefined) facets.push(`person:${f.person}`);
  return facets;
}

const whereClause = (where: readonly string[]) => (where.length > 0 ? `WHERE ${where.join(' AND ')}` : '');

/** One page of the queue and the counts per status of everything matching (status filter aside), among visible pairs. */
export async function queryPairs(sql: Sql, q: QueueQuery, visible: ReadonlySet<string> | null): Promise<QueuePage> {
  const hidden = await hiddenChannels(sql, visible);
  const combined = hidden !== null || q.channelId !== undefined || q.platform !== undefined || q.person !== undefined;
  const search = q.search === undefined ? null : await searchCondition(sql, q.search, combined);
  const base = filters(q, hidden, search, sql.engine);
  const sort = orders[q.sort];

  const where = [...base.where];
  const params = [...base.params];
  if (q.status !== undefined) {
    where.push(sql.engine === 'sqlite' ? 'p.status IN (SELECT value FROM json_each(?))' : 'p.status = ANY (CAST(? AS text[]))');
    params.push(sql.engine === 'sqlite' ? JSON.stringify([...q.status]) : textArray(q.status));
  }
  if (q.after !== undefined) {
    where.push(sort.after);
    params.push(q.after.key, q.after.key, q.after.id);
  }
  const limit = Math.floor(q.limit);
  const matching = `SELECT p.*, ${sort.key} AS sort_key FROM post_pair p ${whereClause(where)}`;
  // PostgreSQL, a narrow search: the matching pairs first (OFFSET 0 keeps the planner from
  // walking the page's order index, which it would expect to fill the page soon), then sorted.
  const fenced = sql.engine === 'postgres' && search?.narrow === true;
  const rows = await sql.all<PairRow & { sort_key: number }>(
    withJsonList(fenced ? `SELECT * FROM (${matching} OFFSET 0) AS p ORDER BY ${sort.order} LIMIT ?` : `${matching} ORDER BY ${sort.order} LIMIT ?`),
    [...params, limit + 1],
  );
  // Counts under one facet and nothing else (every account pair visible, no search, no dates):
  // one range of pair_facet's primary key, whatever the number of pairs. Otherwise each matching pair.
  const facets = facetsOf(q);
  const facetOnly = facets.length === 1 && hidden === null && search === null && q.from === undefined && q.to === undefined;
  const counted = await sql.all<{ status: PairStatus; n: number }>(
    facetOnly
      ? 'SELECT f.status AS status, count(*) AS n FROM pair_facet f WHERE f.facet = ? GROUP BY f.status'
      : withJsonList(`SELECT p.status AS status, count(*) AS n FROM post_pair p ${whereClause(base.where)} GROUP BY p.status`),
    facetOnly ? facets : base.params,
  );

  const page = rows.slice(0, limit);
  const end = page[page.length - 1];
  return {
    pairs: await pairsOfRows(sql, page),
    last: rows.length > limit && end ? { key: Number(end.sort_key), id: end.id } : null,
    counts: new Map(counted.map((row) => [row.status, Number(row.n)])),
  };
}
